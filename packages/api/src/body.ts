/**
 * Request bodies, bounded before anything parses them (API.md, Conventions): at most `limit` bytes, refused as
 * `payload_too_large` (413) from the Content-Length header before a byte is read, or while reading a body sent
 * without one; JSON nested at most MAX_JSON_DEPTH deep, checked by a scan of the bytes before JSON.parse (a body of
 * 100,000 nested arrays otherwise costs seconds and gigabytes, then overflows the validator's stack).
 */
import { BerthError } from "@berth/protocol";

/** berthd's default for --max-body-size: the largest API body (a create with labels, args and env) is a few KiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** No API shape nests deeper than 4 (AddProcess.rlimits[].type); 32 leaves room and costs no stack. */
export const MAX_JSON_DEPTH = 32;

function tooLarge(limit: number): BerthError {
  return new BerthError("payload_too_large", `request body is larger than ${limit} bytes (berthd --max-body-size)`);
}

/** Refuses, before reading, a body whose Content-Length says it is over `limit` bytes. */
export function checkDeclaredSize(request: Request, limit: number): void {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
}

/** The body's bytes, read chunk by chunk and abandoned (413) as soon as they pass `limit`. */
export async function readBounded(request: Request, limit: number): Promise<Uint8Array> {
  checkDeclaredSize(request, limit);
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN_ARRAY = 0x5b, OPEN_OBJECT = 0x7b, CLOSE_ARRAY = 0x5d, CLOSE_OBJECT = 0x7d;

/** Throws invalid_argument if the JSON text in `bytes` opens more than `max` arrays or objects inside each other. */
export function checkDepth(bytes: Uint8Array, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > max) throw new BerthError("invalid_argument", `request body nests arrays and objects deeper than ${max} levels`);
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
      depth--;
    }
  }
}

/** The request's JSON body, bounded in size and depth; undefined when it is empty. */
export async function parseJsonBody(request: Request, limit: number): Promise<unknown> {
  const bytes = await readBounded(request, limit);
  if (bytes.length === 0) return undefined;
  checkDepth(bytes);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new BerthError("invalid_argument", "malformed request body: expected JSON");
  }
}

/**
 * The API's one error hook: BerthError, validation and parse failures, unknown routes, all as {error: {code, message}}.
 * A message never echoes a client's value whole: validation errors name the field and the rule, not the value, and
 * every message is cut at MESSAGE_MAX characters.
 */
import { BerthError, type ErrorBody, type ErrorCode, ERROR_STATUS, quote } from "@berth/protocol";

/** The longest message an error answer carries (runc's and CRIU's own words fit well within it). */
export const MESSAGE_MAX = 4096;

export function errorResponse(code: ErrorCode, message: string): Response {
  const text = message.length > MESSAGE_MAX ? `${message.slice(0, MESSAGE_MAX)}… (cut)` : message;
  const body: ErrorBody = { error: { code, message: text } };
  return Response.json(body, { status: ERROR_STATUS[code] });
}

/** What Elysia's ValidationError carries: where (`type`: body, query, params...) and TypeBox's first error. */
interface ValidationLike {
  type?: string;
  valueError?: { path?: string; message?: string };
}

/** "invalid body /stdout: Expected string length less or equal to 4096" — the field (quoted if odd) and the rule. */
function validationMessage(error: ValidationLike): string {
  const path = error.valueError?.path ?? "";
  const field = /^[\w/.-]{0,64}$/.test(path) ? path : quote(path);
  const where = [error.type, field].filter(Boolean).join(" ");
  return `invalid ${where || "request"}: ${error.valueError?.message ?? "does not match the schema"}`;
}

/** Elysia's error hook: maps every failure to the API contract's error shape and status. */
export function handleError({ code, error }: { code: unknown; error: unknown }): Response {
  if (error instanceof BerthError) return errorResponse(error.code, error.message);
  // Elysia wraps what a parse hook throws (body.ts: 413, too deep) in its ParseError.
  if (code === "PARSE" && (error as Error).cause instanceof BerthError) return handleError({ code: undefined, error: (error as Error).cause });
  switch (code) {
    case "VALIDATION":
      return errorResponse("invalid_argument", validationMessage(error as ValidationLike));
    case "PARSE":
      return errorResponse("invalid_argument", "malformed request body: expected JSON");
    case "NOT_FOUND":
      return errorResponse("not_found", "no such route");
    default:
      return errorResponse("internal", error instanceof Error ? error.message : String(error));
  }
}

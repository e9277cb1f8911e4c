/**
 * BerthError: the one error type that crosses a boundary (API, shim RPC). Its code comes from docs/api.md's table and
 * decides the HTTP status; the message is the flattened chain of context, outermost first.
 */
export const ERROR_STATUS = {
  invalid_argument: 400,
  unauthenticated: 401,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 409,
  payload_too_large: 413,
  runtime_error: 500,
  timeout: 504,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class BerthError extends Error {
  constructor(readonly code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && code in ERROR_STATUS;
}

/** Adds a lowercase context phrase in front of an error, keeping its code ("start container c1: ..."). */
export function wrapError(context: string, err: unknown): BerthError {
  const message = `${context}: ${err instanceof Error ? err.message : String(err)}`;
  return new BerthError(err instanceof BerthError ? err.code : "internal", message, { cause: err });
}

/** How much of a client's input an error message quotes, in characters. */
export const QUOTE_MAX = 100;

/**
 * A client's value as an error message shows it, so a huge or hostile input is never echoed back whole: as it is
 * when it is short and plain (printable ASCII, no spaces), else JSON-quoted (control bytes escaped), and cut to its
 * first QUOTE_MAX characters followed by "… (N chars)" when it is longer.
 */
export function quote(value: string): string {
  if (value.length <= QUOTE_MAX) return /^[\x21-\x7e]*$/.test(value) && value !== "" ? value : JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, QUOTE_MAX))}… (${value.length} chars)`;
}

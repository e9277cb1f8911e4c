/** The API's one error hook: BerthError, validation and parse failures, unknown routes, all as {error: {code, message}}. */
import { BerthError, type ErrorBody, type ErrorCode, ERROR_STATUS } from "@berth/protocol";

export function errorResponse(code: ErrorCode, message: string): Response {
  const body: ErrorBody = { error: { code, message } };
  return Response.json(body, { status: ERROR_STATUS[code] });
}

interface ValidationLike {
  type?: string;
  on?: string;
  property?: string;
  message?: string;
  summary?: string;
}

/** Elysia's error hook: maps every failure to the API contract's error shape and status. */
export function handleError({ code, error }: { code: unknown; error: unknown }): Response {
  if (error instanceof BerthError) return errorResponse(error.code, error.message);
  switch (code) {
    case "VALIDATION": {
      let detail: ValidationLike = {};
      try {
        detail = JSON.parse((error as Error).message) as ValidationLike;
      } catch {}
      const where = [detail.on, detail.property].filter(Boolean).join(" ");
      return errorResponse("invalid_argument", `invalid ${where || "request"}: ${detail.summary ?? detail.message ?? "does not match the schema"}`);
    }
    case "PARSE":
      return errorResponse("invalid_argument", "malformed request body: expected JSON");
    case "NOT_FOUND":
      return errorResponse("not_found", "no such route");
    default:
      return errorResponse("internal", error instanceof Error ? error.message : String(error));
  }
}

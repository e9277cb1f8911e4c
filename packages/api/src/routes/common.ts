/**
 * What the route groups share: the OpenAPI tags, answers with their descriptions (Swagger UI shows a response's
 * description, which OpenAPI takes from its schema), the error answers by status, and path parameters with
 * examples that work against the README's demo container.
 */
import { t, type TSchema } from "elysia";
import { ContainerId, ErrorBody, example, ID_PATTERN } from "@berth/protocol";

/** The OpenAPI tags, in the order Swagger UI shows them, with what each groups. */
export const TAGS = [
  { name: "system", description: "Liveness, version and the host" },
  { name: "containers", description: "Create, list, inspect, signal, pause, resume, update, delete; stats and top" },
  { name: "processes", description: "A container's init and execs: run, inspect, resize, close stdin, wait, logs, attach" },
  { name: "checkpoints", description: "Checkpoint and restore with CRIU (runc checkpoint / restore)" },
  { name: "images", description: "The store of images that creates with image were run from: list, remove" },
  { name: "events", description: "The event journal as Server-Sent Events" },
  { name: "metrics", description: "Prometheus metrics" },
  { name: "session", description: "The dashboard's login: the API token for a browser session cookie, and logout" },
] as const;

export type Tag = (typeof TAGS)[number]["name"];

/** `schema` as an answer described by `description`; validation is unchanged. */
export function answer<S extends TSchema>(schema: S, description: string): S {
  return { ...schema, description };
}

const ERROR_TEXT = {
  400: "invalid_argument: the request does not match the schema, or a value is refused; nothing changed",
  401: "unauthenticated: a TCP request without the bearer token or a session cookie",
  404: "not_found: no such container (or process, or checkpoint)",
  409: "already_exists, or failed_precondition: the container or process is not in a state that allows it",
  413: "payload_too_large: the request body is over the limit",
  500: "runtime_error (with the runtime's own words) or internal",
  503: "unavailable: berthd cannot do it now",
  504: "timeout: the runtime or a FIFO open did not finish in time",
} as const;

type ErrorStatus = keyof typeof ERROR_TEXT;

/** Error answers of a route: 400, 401, 413 and 500 always, plus the statuses given, each with its own text. */
export function errorAnswers(...more: (ErrorStatus | [ErrorStatus, string])[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const status of [400, 401, 413, 500, ...more] as (ErrorStatus | [ErrorStatus, string])[]) {
    const [code, text] = Array.isArray(status) ? status : [status, ERROR_TEXT[status]];
    out[code] = answer(ErrorBody, text);
  }
  return out;
}

/** The usual error answers of a route about one container. */
export const errors = errorAnswers(404, 409, 504);

export const IdParams = t.Object({ id: ContainerId });

/** A process of a container; the example is the exec the POST .../processes example runs. */
export const ProcessParams = t.Object({
  id: ContainerId,
  pid: t.String({ pattern: ID_PATTERN, description: '"init" or an exec id', ...example("ls1") }),
});

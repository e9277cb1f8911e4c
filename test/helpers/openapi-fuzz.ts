/**
 * Fuzz cases from berthd's own OpenAPI document: for every route, a request that is valid by the schema but about
 * a container that does not exist, then one bad thing per case: a field of the wrong type, missing or extra, huge,
 * deeply nested, with NUL bytes or odd unicode; a bad path parameter; a bad query value; a body that is not JSON
 * or too large. Everything is drawn from a seeded generator, so `seed` replays the same cases in the same order.
 */

/** The parts of an OpenAPI schema object the generator reads. */
export interface Schema {
  type?: string;
  enum?: unknown[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  minimum?: number;
  pattern?: string;
}

interface Parameter {
  in: "path" | "query" | "header";
  name: string;
  schema?: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

export interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
}

export interface FuzzCase {
  /** What the case does, for a failure message. */
  name: string;
  method: string;
  path: string;
  body?: string;
}

/** mulberry32: a small seeded generator, enough to pick cases reproducibly. */
export function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const nested = (depth: number): unknown => (depth === 0 ? 0 : [nested(depth - 1)]);

/** Bad values for a field: wrong types, odd strings and numbers, big and deep ones. */
const BAD_VALUES: [string, () => unknown][] = [
  ["null", () => null],
  ["a number", () => 1],
  ["a string", () => "1"],
  ["a boolean", () => true],
  ["an object", () => ({ a: 1 })],
  ["an array", () => ["x"]],
  ["a 200 KB string", () => "x".repeat(200_000)],
  ["a NUL byte", () => "/a\u0000b"],
  ["a lone surrogate", () => "\ud800"],
  ["right-to-left and zero-width text", () => "\u202e\u200b/\ufeff"],
  ["astral characters", () => "/𝔘𝔫𝔦🧨"],
  ["a relative path with dots", () => "../../etc/passwd"],
  ["a huge number", () => 1e308],
  ["a negative number", () => -(2 ** 63)],
  ["a fraction", () => 1.5],
  ["30 nested arrays", () => nested(30)],
  ["20,000 items", () => Array.from({ length: 20_000 }, () => "x")],
];

const BAD_PARAMS = ["..", "%00", "a%2Fb", "-x", "x".repeat(300), "%F0%9F%A7%A8", "%ZZ", "%20", "init%0A"];
const BAD_QUERY = ["notabool", "-1", "1e999", "", "%00", "x".repeat(2000), "1.5", "%F0%9F%A7%A8", "[]"];

/** A value valid by `schema`, about nothing that exists (ids are unused, paths point nowhere). */
export function validValue(schema: Schema | undefined): unknown {
  if (!schema) return "x";
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf) return validValue(schema.anyOf[0]);
  switch (schema.type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = validValue(schema.properties?.[key]);
      return out;
    }
    case "array":
      return Array.from({ length: schema.minItems ?? 0 }, () => validValue(schema.items));
    case "integer":
    case "number":
      return Math.max(schema.minimum ?? 1, 1);
    case "boolean":
      return false;
    default:
      return stringFor(schema.pattern);
  }
}

function stringFor(pattern: string | undefined): string {
  if (!pattern) return "x";
  if (pattern.startsWith("^/")) return "/nonexistent/berth-fuzz";
  if (pattern.includes("CAP_")) return "CAP_CHOWN";
  if (pattern.includes("RLIMIT_")) return "RLIMIT_NOFILE";
  if (pattern.startsWith("^[0-9]")) return "0";
  if (pattern === "^[a-z]+$") return "net";
  return "fuzz-nope";
}

/** Every case for one route, before sampling. */
function casesOf(method: string, template: string, op: Operation, pick: () => number): FuzzCase[] {
  const params = op.parameters ?? [];
  const fill = (overrides: Record<string, string> = {}) =>
    template.replace(/\{(\w+)\}/g, (_, name: string) => overrides[name] ?? `fuzz-nope-${Math.floor(pick() * 1e6)}`);
  const schema = op.requestBody?.content?.["application/json"]?.schema;
  const base = schema ? (validValue(schema) as Record<string, unknown>) : undefined;
  const route = `${method.toUpperCase()} ${template}`;
  const cases: FuzzCase[] = [];
  const add = (name: string, path: string, body?: unknown, raw?: string) =>
    cases.push({ name: `${route}: ${name}`, method: method.toUpperCase(), path, ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}) });

  for (const p of params.filter((p) => p.in === "path")) {
    for (const bad of BAD_PARAMS) add(`path ${p.name} = ${bad.slice(0, 20)}`, fill({ [p.name]: bad }), base);
  }
  for (const p of params.filter((p) => p.in === "query")) {
    for (const bad of BAD_QUERY) add(`query ${p.name} = ${bad.slice(0, 20)}`, `${fill()}?${p.name}=${bad}`, base);
  }
  add("an unknown query parameter", `${fill()}?zz%00=1`, base);
  if (!schema || !base) return cases;
  for (const [field, fieldSchema] of Object.entries(schema.properties ?? {})) {
    for (const [what, make] of BAD_VALUES) add(`body ${field} is ${what}`, fill(), { ...base, [field]: make() });
    if (schema.required?.includes(field)) {
      const { [field]: _, ...without } = base;
      add(`body without ${field}`, fill(), without);
    }
    if (fieldSchema.type === "object") {
      for (const [what, make] of BAD_VALUES.slice(0, 8)) add(`body ${field}.zz is ${what}`, fill(), { ...base, [field]: { zz: make() } });
    }
  }
  add("an extra field", fill(), { ...base, "zz\u0000\ud83e": 1 });
  add("a body that is not JSON", fill(), undefined, "{\"id\":");
  add("a body that is an array", fill(), []);
  add("a body that is a string", fill(), "x");
  add("an empty body", fill(), undefined, "");
  add("a body of 2,000 nested objects", fill(), undefined, '{"a":'.repeat(2000) + "1" + "}".repeat(2000));
  add("a 2 MiB body", fill(), { ...base, pad: "x".repeat(2 << 20) });
  add("a body with a BOM", fill(), undefined, `\ufeff${JSON.stringify(base)}`);
  return cases;
}

/** A string of 1 to 40 code units drawn from everywhere: control bytes, NUL, lone surrogates, astral characters. */
function randomString(pick: () => number): string {
  const units = Array.from({ length: 1 + Math.floor(pick() * 40) }, () => {
    const r = pick();
    return r < 0.1 ? 0 : r < 0.3 ? Math.floor(pick() * 0x20) : r < 0.4 ? 0xd800 + Math.floor(pick() * 0x800) : Math.floor(pick() * 0x10000);
  });
  return (pick() < 0.5 ? "/" : "") + String.fromCharCode(...units);
}

/** Every UTF-8 byte of `s` as %XX (encodeURIComponent refuses lone surrogates). */
const percentEncoded = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");

/** `count` requests to random routes with a body, each with two or three fields replaced by random bad values. */
function randomCases(routes: [string, string, Operation][], pick: () => number, count: number): FuzzCase[] {
  const withBody = routes.filter(([, , op]) => op.requestBody?.content?.["application/json"]?.schema);
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count && withBody.length > 0; i++) {
    const [method, template, op] = withBody[Math.floor(pick() * withBody.length)]!;
    const schema = op.requestBody!.content!["application/json"]!.schema!;
    const body = validValue(schema) as Record<string, unknown>;
    const fields = Object.keys(schema.properties ?? {});
    const changed: string[] = [];
    for (let k = 2 + Math.floor(pick() * 2); k > 0; k--) {
      const field = fields[Math.floor(pick() * fields.length)]!;
      const [what, make] = pick() < 0.5 ? ["a random string", () => randomString(pick)] : BAD_VALUES[Math.floor(pick() * BAD_VALUES.length)]!;
      body[field] = make();
      changed.push(`${field} is ${what}`);
    }
    const path = template.replace(/\{(\w+)\}/g, () => (pick() < 0.2 ? percentEncoded(randomString(pick)) : "fuzz-nope"));
    cases.push({ name: `${method.toUpperCase()} ${template}: ${changed.join(", ")}`, method: method.toUpperCase(), path, body: JSON.stringify(body) });
  }
  return cases;
}

/**
 * Up to `max` cases: every case of every route of `doc`, plus `random` cases of random bad values the seed draws,
 * shuffled by `seed`. Routes that only upgrade (the attach WebSocket) and the Swagger UI's own are left out.
 */
export function fuzzCases(doc: OpenApi, seed: number, max: number, random = 1000): FuzzCase[] {
  const pick = generator(seed);
  const routes: [string, string, Operation][] = [];
  for (const [template, ops] of Object.entries(doc.paths)) {
    if (template.startsWith("/swagger") || template.endsWith("/attach")) continue;
    for (const [method, op] of Object.entries(ops)) routes.push([method, template, op]);
  }
  const all = routes.flatMap(([method, template, op]) => casesOf(method, template, op, pick));
  all.push(...randomCases(routes, pick, random));
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(pick() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, max);
}

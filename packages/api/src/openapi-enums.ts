/**
 * Gives the OpenAPI document's enums their descriptions back. @elysiajs/openapi turns a TypeBox union of literals
 * into `{type: "string", enum: [...]}` and drops the union's description on the way; this puts it back, matching
 * each enum by its values against the protocol's unions (ContainerStatus, ProcessStatus, EventType, the PATCH's
 * status, a restart policy). The document is changed in place, once: the plugin caches it.
 */
import type { TSchema } from "elysia";
import { ContainerPatch, ContainerStatus, EventType, ProcessStatus, Restart } from "@berth/protocol";

const UNIONS: TSchema[] = [ContainerStatus, ProcessStatus, EventType, ContainerPatch.properties.status, Restart.properties.policy];

const key = (values: unknown[]) => JSON.stringify(values);

const DESCRIPTIONS = new Map(UNIONS.map((u) => [key((u.anyOf as { const: unknown }[]).map((l) => l.const)), u.description as string]));

/** Adds each enum's description where the document has none; returns the document. */
export function describeEnums<T>(doc: T): T {
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const schema = node as { enum?: unknown[]; description?: string };
    if (Array.isArray(schema.enum) && schema.description === undefined) {
      const description = DESCRIPTIONS.get(key(schema.enum));
      if (description) schema.description = description;
    }
    Object.values(node).forEach(walk);
  };
  walk(doc);
  return doc;
}

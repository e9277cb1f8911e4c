/** @berth/api: berthd's HTTP API (Elysia + OpenAPI/Swagger UI) and its listeners. */
export { createApp, type AppOptions } from "./app.ts";
export { attachHandlers } from "./attach.ts";
export { hasToken, loadOrCreateToken } from "./auth.ts";
export { type Handlers, isLoopback, listen, type ListenAddress, parseListenAddress } from "./listeners.ts";
export { Sessions } from "./session.ts";

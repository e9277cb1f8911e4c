/** @berth/cli: the `berth` command (main.ts) and its typed client of berthd's HTTP API. */
export { BerthClient } from "./client.ts";
export { DEFAULT_ADDRESS, DEFAULT_TOKEN_FILE, type Endpoint, endpoint } from "./endpoint.ts";

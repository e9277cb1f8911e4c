/**
 * @berth/cli: the `berth` command (main.ts) and what other tools reuse: its typed client of berthd's HTTP API, its
 * flag parsing, text tables and units.
 */
export { BerthClient } from "./client.ts";
export { DEFAULT_ADDRESS, DEFAULT_TOKEN_FILE, type Endpoint, endpoint } from "./endpoint.ts";
export { type OptionSpecs, optionsHelp, parse, UsageError } from "./args.ts";
export { table } from "./table.ts";
export { formatBytes, MiB, parseDuration, parseSize } from "./units.ts";

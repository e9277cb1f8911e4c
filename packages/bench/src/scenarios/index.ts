/** Every scenario, in the order `all` runs them. */
import type { Scenario } from "../scenario.ts";
import { api } from "./api.ts";
import { density } from "./density.ts";
import { exit } from "./exit.ts";
import { lifecycle } from "./lifecycle.ts";
import { logs } from "./logs.ts";
import { restore } from "./restore.ts";
import { start } from "./start.ts";

export const SCENARIOS: Scenario[] = [start, lifecycle, exit, restore, density, api, logs];

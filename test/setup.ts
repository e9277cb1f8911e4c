/**
 * Preloaded before every test file (bunfig.toml): container tests start real runc containers and must hold on
 * a loaded 2-core machine, so every test gets 60 s unless it sets its own bound. Bun has no bunfig key for this.
 */
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(60_000);

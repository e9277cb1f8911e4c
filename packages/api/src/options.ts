/** What the API app is built with (createApp's options): berthd's version, limits, demo bundle, sessions, UI. */
import type { Version } from "@berth/protocol";
import type { Sessions } from "./session.ts";

export interface AppOptions {
  version: Version;
  /** Largest request body in bytes (berthd --max-body-size); DEFAULT_MAX_BODY_BYTES when not given. */
  maxBodyBytes?: number;
  /** The demo bundle (scripts/bundle.ts), named by the create example in the OpenAPI document. */
  demoBundle: string;
  /** The browser sessions the listeners admit (session.ts); the login route adds to them. */
  sessions: Sessions;
  /** The dashboard's built assets (packages/ui's build output), served at /ui. */
  uiDir: string;
}

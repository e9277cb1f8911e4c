/** @berth/ui: the web dashboard berthd serves at /ui (web/), and its build into static assets. */
export { buildUi, UI_DIST } from "./build.ts";

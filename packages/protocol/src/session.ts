/** The body of `POST /v1/session`: the API token, exchanged for a browser session cookie (the dashboard's login). */
import { type Static, Type as T } from "@sinclair/typebox";

export const SessionLogin = T.Object({
  token: T.String({ minLength: 1, maxLength: 1024, description: "the content of the api-token file" }),
}, { $id: "SessionLogin", additionalProperties: false });
export type SessionLogin = Static<typeof SessionLogin>;

/** The dashboard's login and logout: the API token for a session cookie, and back (session.ts has the rules). */
import { Elysia, t } from "elysia";
import { BerthError, SessionLogin } from "@berth/protocol";
import { isCrossOrigin, type Sessions } from "../session.ts";
import { answer, errorAnswers } from "./common.ts";

// Neither route takes a query: a parameter they do not name is refused, as on every route.
const NoQuery = t.Object({});

/** POST /v1/session (login: the token for a cookie; open) and DELETE /v1/session (logout). */
export function sessionRoutes(sessions: Sessions) {
  return new Elysia({ name: "session" })
    .post("/v1/session", ({ body, request, set }) => {
      if (isCrossOrigin(request)) throw new BerthError("unauthenticated", "login refused on a cross-site request");
      const cookie = sessions.login(body.token, request);
      if (cookie === undefined) throw new BerthError("unauthenticated", "wrong token (see the api-token file in the state dir)");
      set.headers["set-cookie"] = cookie;
      set.headers["cache-control"] = "no-store";
      set.status = 204;
    }, {
      body: SessionLogin,
      query: NoQuery,
      parse: "json",
      response: { 204: answer(t.Void(), "logged in: the answer sets the session cookie"), ...errorAnswers([401, "unauthenticated: a wrong token, or a cross-site request"]) },
      detail: {
        summary: "Log in: exchange the API token for an HttpOnly, SameSite=Strict session cookie (TCP listeners; 12 h; ends at a berthd restart)",
        security: [],
        tags: ["session"],
      },
    })
    .delete("/v1/session", ({ request, set }) => {
      set.headers["set-cookie"] = sessions.logout(request);
      set.status = 204;
    }, {
      query: NoQuery,
      response: { 204: answer(t.Void(), "logged out: the answer clears the session cookie"), ...errorAnswers() },
      detail: { summary: "Log out: end this session and clear its cookie", tags: ["session"] },
    });
}

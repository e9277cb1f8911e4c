/**
 * The login form (TCP listeners): the user pastes the API token once; it goes in the body of
 * `POST /v1/session`, never in a URL, and berthd answers with the session cookie. The page keeps no copy.
 */
import { api, ApiError } from "./api.ts";
import { h } from "./dom.ts";

/** A form that resolves `loggedIn` once berthd has accepted the token. */
export function loginForm(loggedIn: () => void): HTMLElement {
  const token = h("input", { type: "password", name: "token", id: "token", autocomplete: "off", required: true, autofocus: true, placeholder: "content of /run/berth/api-token" });
  const error = h("p", { class: "error", role: "alert" });
  const submit = async (e: Event) => {
    e.preventDefault();
    error.textContent = "";
    try {
      await api.login(token.value.trim());
      token.value = "";
      loggedIn();
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : `cannot reach berthd: ${(err as Error).message}`;
    }
  };
  return h("section", { class: "view login" },
    h("form", { class: "card", method: "post", onsubmit: submit },
      h("h1", {}, "Log in to berthd"),
      h("p", { class: "muted" }, "Paste the API token (the api-token file in berthd's state dir). The browser keeps a session cookie for 12 hours or until berthd restarts."),
      h("label", { for: "token" }, "API token"), token, error,
      h("button", { type: "submit", class: "primary" }, "Log in")));
}

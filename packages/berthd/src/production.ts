/**
 * berthd runs Elysia in production mode. Elysia decides it from NODE_ENV once, when its modules load, so main.ts
 * imports this file before anything else. In production Elysia's validation errors skip building an example of
 * the expected value and a pretty-printed copy of the client's input; berthd's error hook (api/errors.ts) builds
 * its own message from the field and the rule either way. NODE_ENV set by the caller is left as it is.
 */
process.env.NODE_ENV ??= "production";

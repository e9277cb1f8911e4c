/** Schemas several route groups share: error answers by status, and the container id path parameter. */
import { t } from "elysia";
import { ErrorBody, Id } from "@berth/protocol";

export const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 500: ErrorBody, 504: ErrorBody };
export const IdParams = t.Object({ id: Id });

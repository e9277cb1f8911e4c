/** @berth/supervisor: berthd's core (registry, create pipeline, event relay, journal, restore), with no HTTP in it. */
export { EventBroker, type SubscribeOptions, Subscription, SUBSCRIBER_QUEUE_LIMIT } from "./events.ts";
export { Journal } from "./journal.ts";
export { createLogger, isLevel, type Level, type Logger } from "./logger.ts";
export { Supervisor, type SupervisorConfig } from "./supervisor.ts";
export type { ContainerEntry } from "./container.ts";
export { top } from "./top.ts";
export type { AttachSession, AttachSink } from "./attach.ts";

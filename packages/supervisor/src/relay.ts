/**
 * The one path out for events (DESIGN.md invariant 10). Every event of every container comes from a Change its
 * shim recorded (or berthd, for a dead shim), and goes through `offer`: in change order, each change is journaled
 * (all or nothing), marked reported in the container's state dir, applied to berthd's mirror of the container,
 * and only then published. A change is relayed once: the mark, and the change key the journal line carries, tell
 * a restarted berthd where it stopped. A journal append that fails (a full disk) leaves the change waiting and
 * is tried again with a back-off (10 ms doubling to 1 s) until it is written; nothing after it overtakes it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { BerthError, type Change, type Event, type Logger } from "@berth/protocol";
import type { ContainerEntry } from "./container.ts";
import type { EventBroker } from "./events.ts";
import type { NewEvent } from "./journal.ts";

const RETRY_FIRST_MS = 10;
const RETRY_MAX_MS = 1000;

/** What the relay tells the rest of berthd after it published a change of a container. */
export type Published = (entry: ContainerEntry, change: Change) => void;

export class EventRelay {
  private readonly waiters = new Map<ContainerEntry, { change: number; resolve: () => void; reject: (err: Error) => void }[]>();
  /** Containers whose next change failed to journal: the back-off and the cause. */
  private readonly retries = new Map<ContainerEntry, { ms: number; error: Error }>();

  constructor(private readonly broker: EventBroker, private readonly logger: Logger, private readonly onPublished: Published) {}

  /** Where relaying `entry` resumes after a restart: its mark, or a later change the journal already has. */
  resumePoint(entry: ContainerEntry): number {
    let marked = 0;
    try {
      marked = Number(readFileSync(entry.layout.reported, "utf8")) || 0;
    } catch {}
    return Math.max(marked, this.broker.journal.lastChange(entry.instance));
  }

  /** Takes changes of `entry`, in any order and any number of times; each is relayed once, in order. */
  offer(entry: ContainerEntry, changes: readonly Change[]): void {
    for (const change of changes) if (change.change > entry.lastRelayed) entry.pending.set(change.change, change);
    if (!this.retries.has(entry)) this.drain(entry);
  }

  /**
   * Resolves once change `change` of `entry` is published. Rejects with `unavailable` naming the cause when the
   * journal cannot take it now (a full disk: the change still goes out later, once there is room), or when it is
   * not out within `timeoutMs`.
   */
  async published(entry: ContainerEntry, change: number, timeoutMs: number): Promise<void> {
    if (entry.lastRelayed >= change) return;
    const failing = this.retries.get(entry);
    if (failing) throw unavailable(entry, failing.error);
    let timer: Timer | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const list = this.waiters.get(entry) ?? [];
        list.push({ change, resolve, reject });
        this.waiters.set(entry, list);
        timer = setTimeout(() => reject(new BerthError("unavailable", `event of container ${entry.id} not journaled within ${timeoutMs} ms`)), timeoutMs);
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private drain(entry: ContainerEntry): void {
    for (let next = entry.pending.get(entry.lastRelayed + 1); next; next = entry.pending.get(entry.lastRelayed + 1)) {
      let event: Event | undefined;
      // A removed container (replaced or deleted) publishes nothing more: its id may belong to another now.
      if (!entry.removed) {
        try {
          event = this.broker.record(eventOf(entry, next), `${entry.instance}#${next.change}`);
        } catch (err) {
          this.retryLater(entry, err as Error);
          return;
        }
      }
      this.retries.delete(entry);
      entry.pending.delete(next.change);
      entry.lastRelayed = next.change;
      if (event) this.mark(entry);
      entry.apply(next);
      if (event) this.broker.publish(event);
      this.onPublished(entry, next);
      this.wake(entry);
    }
  }

  private mark(entry: ContainerEntry): void {
    try {
      writeFileSync(entry.layout.reported, String(entry.lastRelayed));
    } catch (err) {
      // The journal line carries the change too: a restart still finds it.
      this.logger.warn("mark event reported", { container: entry.id, change: entry.lastRelayed, error: String(err) });
    }
  }

  private retryLater(entry: ContainerEntry, error: Error): void {
    const ms = Math.min((this.retries.get(entry)?.ms ?? RETRY_FIRST_MS / 2) * 2, RETRY_MAX_MS);
    this.retries.set(entry, { ms, error });
    for (const w of this.waiters.get(entry) ?? []) w.reject(unavailable(entry, error));
    this.waiters.delete(entry);
    this.logger.warn("cannot journal an event; retrying", { container: entry.id, inMs: ms, error: error.message });
    setTimeout(() => this.drain(entry), ms);
  }

  private wake(entry: ContainerEntry): void {
    const list = this.waiters.get(entry);
    if (!list) return;
    const left = list.filter((w) => {
      if (w.change > entry.lastRelayed) return true;
      w.resolve();
      return false;
    });
    if (left.length > 0) this.waiters.set(entry, left);
    else this.waiters.delete(entry);
  }
}

/** The public event of a change: container-wide changes carry no pid; only an exit carries a status. */
function eventOf(entry: ContainerEntry, change: Change): NewEvent {
  const withPid = change.type === "exit" || change.type === "start-process";
  return {
    type: change.type,
    id: entry.id,
    ...(withPid ? { pid: change.pid } : {}),
    ...(change.type === "exit" ? { status: change.status ?? 255 } : {}),
  };
}

function unavailable(entry: ContainerEntry, cause: Error): BerthError {
  return new BerthError("unavailable", `event of container ${entry.id} not journaled yet (it will be once it can be): ${cause.message}`);
}

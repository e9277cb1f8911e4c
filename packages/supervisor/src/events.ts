/**
 * The event broker: every event goes to the journal first, then to live subscribers. A subscription takes its
 * stored part and joins the live part in one synchronous step, so nothing is lost or repeated between them.
 * Each subscriber has a bounded queue; one that falls too far behind is ended with a message naming the last
 * sequence number it was given, so it can resume with `after`. Nothing here ever waits for a subscriber.
 */
import type { Event } from "@berth/protocol";
import { parseRfc3339Ns } from "@berth/protocol";
import { Journal, type NewEvent } from "./journal.ts";

/** Live events a subscriber may have pending before it is cut off. */
export const SUBSCRIBER_QUEUE_LIMIT = 4096;

export interface SubscribeOptions {
  /** Stored events strictly after this time... */
  since?: string;
  /** ...or with a sequence number greater than this. */
  after?: number;
  /** Only this container's events. */
  id?: string;
  /** End after the stored events. */
  storedOnly?: boolean;
}

export type SubscriptionItem = { event: Event } | { overflow: { lastSeq: number } };

export class Subscription implements AsyncIterable<SubscriptionItem> {
  private readonly queue: Event[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private overflowed = false;
  private delivered = 0;
  /** Stored events not yet delivered: the queue may hold those plus SUBSCRIBER_QUEUE_LIMIT live ones. */
  private storedLeft: number;

  constructor(stored: Event[], private readonly filter: (e: Event) => boolean, private readonly onClose: (s: Subscription) => void) {
    this.queue.push(...stored);
    this.storedLeft = stored.length;
  }

  /** Called by the broker for each live event; never blocks. */
  offer(event: Event): void {
    if (this.ended || !this.filter(event)) return;
    if (this.queue.length >= this.storedLeft + SUBSCRIBER_QUEUE_LIMIT) {
      this.overflowed = true;
      this.end();
      return;
    }
    this.queue.push(event);
    this.wake?.();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onClose(this);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SubscriptionItem> {
    try {
      for (;;) {
        const event = this.queue.shift();
        if (event) {
          this.delivered = event.seq;
          if (this.storedLeft > 0) this.storedLeft--;
          yield { event };
          continue;
        }
        if (this.ended) {
          if (this.overflowed) yield { overflow: { lastSeq: this.delivered } };
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      this.end();
    }
  }
}

export class EventBroker {
  private readonly subscribers = new Set<Subscription>();
  /** Events recorded since this broker started. */
  written = 0;

  constructor(readonly journal: Journal) {}

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Journals the event (see Journal.append); it reaches subscribers only through publish(). */
  record(event: NewEvent, change?: string): Event {
    const full = this.journal.append(event, change);
    this.written++;
    return full;
  }

  publish(event: Event): void {
    for (const s of this.subscribers) s.offer(event);
  }

  subscribe(options: SubscribeOptions): Subscription {
    const filter = (e: Event) => options.id === undefined || e.id === options.id;
    const sinceNs = options.since === undefined ? undefined : parseRfc3339Ns(options.since);
    const wantsStored = options.after !== undefined || sinceNs !== undefined;
    const stored = wantsStored
      ? this.journal.stored().filter((e) =>
          filter(e) &&
          (options.after === undefined || e.seq > options.after) &&
          (sinceNs === undefined || (parseRfc3339Ns(e.timestamp) ?? 0n) > sinceNs))
      : [];
    const sub = new Subscription(stored, filter, (s) => this.subscribers.delete(s));
    if (options.storedOnly) sub.end();
    else this.subscribers.add(sub);
    return sub;
  }
}

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { EventBroker, SUBSCRIBER_QUEUE_LIMIT, type Subscription, type SubscriptionItem } from "./events.ts";
import { Journal, type NewEvent } from "./journal.ts";

let dir: string;
let journal: Journal;
let broker: EventBroker;
beforeEach(() => {
  dir = mkdtempSync("/tmp/berth-events-");
  journal = new Journal(join(dir, "events.jsonl"), 2 * SUBSCRIBER_QUEUE_LIMIT);
  broker = new EventBroker(journal);
});
/** Journal, then publish: what the relay does for each change. */
function emit(event: NewEvent) {
  const full = broker.record(event);
  broker.publish(full);
  return full;
}
afterEach(() => {
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The next `n` items of a subscription. */
async function take(it: AsyncIterator<SubscriptionItem>, n: number): Promise<SubscriptionItem[]> {
  const items: SubscriptionItem[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) break;
    items.push(r.value);
  }
  return items;
}

/** Every item until the subscription ends. */
async function drain(sub: Subscription): Promise<SubscriptionItem[]> {
  const items: SubscriptionItem[] = [];
  for await (const item of sub) items.push(item);
  return items;
}

const seqs = (items: SubscriptionItem[]) => items.map((i) => ("event" in i ? i.event.seq : `overflow ${i.overflow.lastSeq}`));

describe("EventBroker", () => {
  test("every emitted event is journaled with its seq before anyone sees it", () => {
    const e = emit({ type: "start-container", id: "c1" });
    expect(e.seq).toBe(1);
    expect(journal.stored()).toEqual([e]);
  });

  test("after=N replays stored events past N, then live ones, without a gap or a repeat", async () => {
    for (let i = 0; i < 3; i++) emit({ type: "exit", id: "c1" });
    const sub = broker.subscribe({ after: 1 });
    // Emitted right after subscribing, before the subscriber has read anything.
    emit({ type: "exit", id: "c1" });
    emit({ type: "exit", id: "c1" });
    const it = sub[Symbol.asyncIterator]();
    expect(seqs(await take(it, 4))).toEqual([2, 3, 4, 5]);
    // And later live events keep coming, once each.
    const later = it.next();
    emit({ type: "exit", id: "c1" });
    expect(seqs([(await later).value!])).toEqual([6]);
    await it.return!();
    expect(broker.subscriberCount).toBe(0);
  });

  test("without after or since a subscription gets only live events", async () => {
    emit({ type: "exit", id: "c1" });
    const sub = broker.subscribe({});
    emit({ type: "exit", id: "c1" });
    const it = sub[Symbol.asyncIterator]();
    expect(seqs(await take(it, 1))).toEqual([2]);
    await it.return!();
  });

  test("an id filter applies to stored and live events", async () => {
    emit({ type: "start-container", id: "c1" });
    emit({ type: "start-container", id: "c2" });
    emit({ type: "exit", id: "c1" });
    const sub = broker.subscribe({ after: 0, id: "c1" });
    emit({ type: "exit", id: "c2" });
    emit({ type: "pause", id: "c1" });
    const it = sub[Symbol.asyncIterator]();
    const items = await take(it, 3);
    expect(seqs(items)).toEqual([1, 3, 5]);
    expect(items.every((i) => "event" in i && i.event.id === "c1")).toBe(true);
    await it.return!();
  });

  test("storedOnly ends after the stored events and never joins the live ones", async () => {
    for (let i = 0; i < 3; i++) emit({ type: "exit", id: "c1" });
    const sub = broker.subscribe({ after: 1, storedOnly: true });
    expect(broker.subscriberCount).toBe(0);
    emit({ type: "exit", id: "c1" });
    expect(seqs(await drain(sub))).toEqual([2, 3]);
  });

  test("since selects stored events strictly after that time", async () => {
    const events = [0, 1, 2].map(() => emit({ type: "exit", id: "c1" }));
    expect(seqs(await drain(broker.subscribe({ since: events[1]!.timestamp, storedOnly: true })))).toEqual([3]);
    expect(seqs(await drain(broker.subscribe({ since: events[0]!.timestamp, storedOnly: true })))).toEqual([2, 3]);
    expect(seqs(await drain(broker.subscribe({ since: "2000-01-01T00:00:00Z", storedOnly: true })))).toEqual([1, 2, 3]);
  });

  test("a subscriber that stops reading is cut off after the queue limit, told where to resume; others carry on", async () => {
    const slow = broker.subscribe({ after: 0 });
    const good = broker.subscribe({ after: 0 });
    const goodIt = good[Symbol.asyncIterator]();
    const goodSeen: number[] = [];
    const BATCH = 512;
    // The good subscriber drains between batches, so its queue never holds more than a batch.
    for (let sent = 0; sent < SUBSCRIBER_QUEUE_LIMIT; sent += BATCH) {
      for (let i = 0; i < BATCH; i++) emit({ type: "exit", id: "c1" });
      goodSeen.push(...(seqs(await take(goodIt, BATCH)) as number[]));
    }
    expect(broker.subscriberCount).toBe(2); // exactly at the limit: still subscribed
    emit({ type: "exit", id: "c1" }); // one past it
    expect(broker.subscriberCount).toBe(1);

    const slowItems = await drain(slow);
    expect(slowItems.length).toBe(SUBSCRIBER_QUEUE_LIMIT + 1);
    expect(slowItems.at(-1)).toEqual({ overflow: { lastSeq: SUBSCRIBER_QUEUE_LIMIT } });
    expect(seqs(slowItems.slice(0, -1))).toEqual(Array.from({ length: SUBSCRIBER_QUEUE_LIMIT }, (_, i) => i + 1));

    // Resuming with after=lastSeq gives exactly what the slow one missed.
    expect(seqs(await drain(broker.subscribe({ after: SUBSCRIBER_QUEUE_LIMIT, storedOnly: true })))).toEqual([SUBSCRIBER_QUEUE_LIMIT + 1]);

    goodSeen.push(...(seqs(await take(goodIt, 1)) as number[]));
    expect(goodSeen).toEqual(Array.from({ length: SUBSCRIBER_QUEUE_LIMIT + 1 }, (_, i) => i + 1));
    emit({ type: "exit", id: "c1" });
    expect(seqs(await take(goodIt, 1))).toEqual([SUBSCRIBER_QUEUE_LIMIT + 2]);
    await goodIt.return!();
    expect(broker.subscriberCount).toBe(0);
  });

  test("stored events do not count against the live queue limit", async () => {
    for (let i = 0; i < 10; i++) emit({ type: "exit", id: "c1" });
    const sub = broker.subscribe({ after: 0 });
    for (let i = 0; i < SUBSCRIBER_QUEUE_LIMIT; i++) emit({ type: "exit", id: "c1" });
    expect(broker.subscriberCount).toBe(1);
    emit({ type: "exit", id: "c1" });
    expect(broker.subscriberCount).toBe(0);
    const items = await drain(sub);
    expect(items.at(-1)).toEqual({ overflow: { lastSeq: 10 + SUBSCRIBER_QUEUE_LIMIT } });
  });

  test("breaking out of the iteration unsubscribes", async () => {
    const sub = broker.subscribe({});
    expect(broker.subscriberCount).toBe(1);
    emit({ type: "exit", id: "c1" });
    for await (const item of sub) {
      expect("event" in item).toBe(true);
      break;
    }
    expect(broker.subscriberCount).toBe(0);
  });
});

/**
 * A subscription as a Server-Sent Events body. Each event is `id: <seq>`, `event: <type>`, `data: <Event JSON>`.
 * The stream opens with a `retry` field so headers go out at once, even when no event is due; it is pulled, so
 * a slow reader holds back only its own subscription (which the broker cuts off past its bound).
 */
import type { Subscription } from "@berth/supervisor";

const RETRY_MS = 1000;

export function eventStream(subscription: Subscription): ReadableStream<string> {
  const items = subscription[Symbol.asyncIterator]();
  return new ReadableStream<string>({
    start(controller) {
      controller.enqueue(`retry: ${RETRY_MS}\n\n`);
    },
    async pull(controller) {
      const next = await items.next();
      if (next.done) return controller.close();
      const item = next.value;
      if ("event" in item) {
        controller.enqueue(`id: ${item.event.seq}\nevent: ${item.event.type}\ndata: ${JSON.stringify(item.event)}\n\n`);
      } else {
        const error = { code: "unavailable", message: `subscriber fell behind; resume with after=${item.overflow.lastSeq}` };
        controller.enqueue(`event: error\ndata: ${JSON.stringify({ error })}\n\n`);
      }
    },
    cancel() {
      subscription.end();
      void items.return?.();
    },
  }, { highWaterMark: 0 });
}

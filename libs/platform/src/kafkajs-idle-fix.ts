// kafkajs 2.2.4 keeps every broker connection awake once it has had one answer: RequestQueue.fulfillRequest checks the
// pending queue, and scheduleCheckPendingRequests, finding nothing pending and no throttle in force, still sets a
// timer for `throttledUntil - Date.now()` ms, a negative delay that Node runs after 1 ms, whose callback schedules
// the next one. Each connection wakes its process about a thousand times a second, for nothing (kafkajs issues
// #1556, #1604, #1704; the fix in pull request #1667 is not released, and kafkajs has had no release since 2.2.4).
// Measured here on an idle network: each gateway and the secretariat woke ~800 times a second and used 8-11 % of a
// core; on two shared cores those wake-ups also delay the work that matters.
//
// The replacement schedules a check only when a request waits in the queue, exactly as kafkajs does then: when the
// client-side throttle ends, or after CHECK_PENDING_REQUESTS_INTERVAL (10 ms) when it has already ended. An empty
// queue needs no timer: `push` schedules a check whenever it queues a request, and an answer or a timeout checks the
// queue at once (fulfillRequest, the socket request's timeout).
import { createRequire } from 'node:module';

/** kafkajs's value of the same name (src/network/requestQueue/index.js). */
export const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/** The part of kafkajs's RequestQueue the replacement reads and writes. */
export interface RequestQueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}

/** scheduleCheckPendingRequests without the idle timer loop. */
export function scheduleCheckPendingRequests(this: RequestQueueState): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) {
    return;
  }
  const untilUnthrottled = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
}

interface RequestQueueClass {
  prototype: { scheduleCheckPendingRequests: (this: RequestQueueState) => void };
}

/** `require` from inside the kafkajs this process loads (the one `require('kafkajs')` resolves to). */
const fromKafkajs = createRequire(require.resolve('kafkajs'));

/** The RequestQueue class of that kafkajs. */
export function kafkajsRequestQueue(): RequestQueueClass {
  return fromKafkajs('./src/network/requestQueue') as RequestQueueClass;
}

/** The kafkajs release whose RequestQueue the replacement was written against. */
export const KAFKAJS_FIXED_VERSION = '2.2.4';

/** The version of the kafkajs this process loads. */
export function kafkajsVersion(): string {
  return (fromKafkajs('./package.json') as { version: string }).version;
}

let applied = false;

/**
 * Replaces RequestQueue.prototype.scheduleCheckPendingRequests in the loaded kafkajs, once per process, if it is the
 * release the fix was written for; another release is left as it is (returns false). The spec fails when the
 * installed kafkajs is another release, so an upgrade is checked (does it still have the loop?) before it lands,
 * and a gateway never refuses to start over it.
 */
export function applyKafkajsIdleFix(): boolean {
  if (!applied && kafkajsVersion() === KAFKAJS_FIXED_VERSION) {
    kafkajsRequestQueue().prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
    applied = true;
  }
  return applied;
}

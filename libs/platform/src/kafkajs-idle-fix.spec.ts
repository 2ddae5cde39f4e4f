// kafkajs's own RequestQueue (no broker: requests are plain objects whose "send" is recorded), with and without the
// replacement of scheduleCheckPendingRequests.
import {
  applyKafkajsIdleFix,
  CHECK_PENDING_REQUESTS_INTERVAL_MS,
  KAFKAJS_FIXED_VERSION,
  kafkajsRequestQueue,
  kafkajsVersion,
  scheduleCheckPendingRequests,
} from './kafkajs-idle-fix';

interface Queue {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  push(request: unknown): void;
  fulfillRequest(r: { correlationId: number; payload: unknown; size: number }): void;
  maybeThrottle(ms: number): void;
  checkPendingRequests(): void;
  destroy(): void;
}

const RequestQueue = kafkajsRequestQueue() as unknown as {
  new (opts: Record<string, unknown>): Queue;
  prototype: { scheduleCheckPendingRequests: typeof scheduleCheckPendingRequests };
};
const original = RequestQueue.prototype.scheduleCheckPendingRequests;
const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function queue(maxInFlightRequests: number | null = 1): Queue {
  return new RequestQueue({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'spec',
    broker: 'localhost:9092',
    logger: silent,
  });
}

/** A request as kafkajs's connection pushes it; `sent` lists the correlation ids that went to the socket. */
function request(correlationId: number, sent: number[]) {
  return {
    entry: { correlationId, apiName: 'Produce', resolve: () => undefined, reject: () => undefined },
    expectResponse: true,
    sendRequest: () => sent.push(correlationId),
  };
}

describe('kafkajs idle timer fix', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    RequestQueue.prototype.scheduleCheckPendingRequests = original;
    jest.useRealTimers();
  });

  it('kafkajs as released re-arms a timer after every answer even with nothing queued (the bug)', () => {
    const q = queue();
    const sent: number[] = [];
    q.push(request(1, sent));
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(q.pending).toHaveLength(0);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    jest.advanceTimersByTime(1);
    // it fired and armed the next one: a check every millisecond, for ever
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    expect(jest.getTimerCount()).toBe(1);
    q.destroy();
  });

  it('with the fix, an answer with nothing queued leaves no timer', () => {
    RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
    const q = queue();
    const sent: number[] = [];
    q.push(request(1, sent));
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
    expect(sent).toEqual([1]);
  });

  it('a request queued behind the in-flight limit goes out when the one in flight is answered', () => {
    RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
    const q = queue(1);
    const sent: number[] = [];
    q.push(request(1, sent));
    q.push(request(2, sent));
    expect(sent).toEqual([1]);
    expect(q.pending).toHaveLength(1);
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(sent).toEqual([1, 2]);
    // request 2 is in flight, nothing is queued: the check armed while 2 waited may run once, then none is armed
    jest.advanceTimersByTime(CHECK_PENDING_REQUESTS_INTERVAL_MS);
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a request queued while the broker throttles the client goes out when the throttle ends, not before', () => {
    RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
    const q = queue(null);
    const sent: number[] = [];
    q.maybeThrottle(500);
    q.push(request(7, sent));
    const checks = jest.spyOn(q, 'checkPendingRequests');
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(499);
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(2);
    expect(sent).toEqual([7]);
    // one wake-up when the throttle ends, not one per interval while it lasts
    expect(checks).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a queued request whose throttle has just ended is checked again after the interval kafkajs uses', () => {
    RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
    const q = queue(0); // nothing may be in flight: the request stays queued, checked every interval
    const sent: number[] = [];
    q.push(request(3, sent));
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(CHECK_PENDING_REQUESTS_INTERVAL_MS);
    expect(sent).toEqual([]);
    expect(jest.getTimerCount()).toBe(1);
    q.destroy();
  });

  it('is applied to the kafkajs this process loads, once; the installed kafkajs is the release it was written for', () => {
    // A kafkajs upgrade fails here: read its requestQueue, then update or remove the fix.
    expect(kafkajsVersion()).toBe(KAFKAJS_FIXED_VERSION);
    expect(applyKafkajsIdleFix()).toBe(true);
    expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(scheduleCheckPendingRequests);
    expect(applyKafkajsIdleFix()).toBe(true);
    expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(scheduleCheckPendingRequests);
  });
});

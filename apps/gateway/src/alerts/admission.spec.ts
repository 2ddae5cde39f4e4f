// Backpressure rules: the outbox backlog and the relay's memory refuse with 503, the work in flight with 429, each
// with Retry-After and the limit; nothing is counted for a refused request, and a release is counted once.
import { ProblemException } from '@corridor/platform';
import { Admission } from './admission';

function refusal(f: () => unknown): { status: number; code?: string; retryAfter?: number; limit?: number } {
  try {
    f();
  } catch (err) {
    if (err instanceof ProblemException) {
      const p = err.problem;
      return { status: p.status, code: p.code, retryAfter: p.retryAfter, limit: p.limit };
    }
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('Admission', () => {
  let pending = 0;
  const admission = (): Admission =>
    new Admission(
      { maxInFlight: 10, maxRelayPending: 100, maxBacklog: 1000 },
      { relayPending: () => pending },
    );

  beforeEach(() => {
    pending = 0;
  });

  it('admits work up to the in-flight limit, then answers 429 GATEWAY_BUSY until some is released', () => {
    const a = admission();
    const first = a.enter(6);
    a.enter(4);
    expect(refusal(() => a.enter(1))).toEqual({
      status: 429,
      code: 'GATEWAY_BUSY',
      retryAfter: 1,
      limit: 10,
    });
    first();
    first(); // released once only
    expect(a.state.inFlight).toBe(4);
    a.enter(6);
    expect(a.state.inFlight).toBe(10);
  });

  it('admits one request larger than the limit when nothing else is in flight', () => {
    const a = admission();
    const leave = a.enter(50);
    expect(refusal(() => a.enter(1)).status).toBe(429);
    leave();
    expect(a.state.inFlight).toBe(0);
  });

  it('answers 503 RELAY_LAGGING while the relay holds more rows than allowed in memory', () => {
    const a = admission();
    pending = 101;
    expect(refusal(() => a.enter(1))).toEqual({
      status: 503,
      code: 'RELAY_LAGGING',
      retryAfter: 2,
      limit: 100,
    });
    expect(a.state.inFlight).toBe(0);
    pending = 100;
    a.enter(1);
  });

  it('answers 503 PARTNERS_LAGGING while the sampled outbox backlog is over the limit', () => {
    const a = admission();
    a.sample(1001);
    expect(refusal(() => a.enter(1))).toEqual({
      status: 503,
      code: 'PARTNERS_LAGGING',
      retryAfter: 5,
      limit: 1000,
    });
    a.sample(1000);
    a.enter(1);
  });
});

// Backpressure on publishing: the API refuses new alerts, with Retry-After, before the gateway's memory or its
// outbox grows without bound. Nothing accepted is ever dropped: a refusal happens before anything is written, and the
// client repeats the request (under its Idempotency-Key) after the time given.
import { problem, ProblemException } from '@corridor/platform';

export interface AdmissionLimits {
  /** alerts being validated, sealed and committed in this process at once (their requests held in memory) */
  maxInFlight: number;
  /** rows sealed and committed, waiting in this process's memory for the relay to produce them */
  maxRelayPending: number;
  /** rows in the outbox not settled yet: QUEUED, or SENT and waiting for the partner's receipt */
  maxBacklog: number;
}

export interface AdmissionSources {
  /** rows the relay holds in memory now */
  relayPending(): number;
}

export class Admission {
  private inFlight = 0;
  /** the last sampled outbox backlog (see `sample`) */
  private backlog = 0;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly sources: AdmissionSources,
  ) {}

  /** The outbox backlog as last counted (a sampler calls this about once a second, capped at the limit + 1). */
  sample(backlog: number): void {
    this.backlog = backlog;
  }

  get state(): { inFlight: number; relayPending: number; backlog: number } {
    return { inFlight: this.inFlight, relayPending: this.sources.relayPending(), backlog: this.backlog };
  }

  /**
   * Admits `n` alerts or throws 503/429 problem+json with Retry-After (seconds). Call the returned function when
   * they are committed or failed. A single request larger than maxInFlight is admitted when nothing else is in flight,
   * so a batch within MAX_BATCH_ALERTS always gets through on an idle gateway.
   */
  enter(n: number): () => void {
    const refusal = this.refusal(n);
    if (refusal) {
      throw refusal;
    }
    this.inFlight += n;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.inFlight -= n;
      }
    };
  }

  /**
   * The refusal `enter(n)` would give now, without admitting anything: the batch route asks before it reads a body
   * of up to MAX_BATCH_BYTES, so a lagging gateway does not buffer bodies it would refuse anyway.
   */
  refusal(n: number): ProblemException | undefined {
    if (this.backlog > this.limits.maxBacklog) {
      return problem(
        503,
        'PARTNERS_LAGGING',
        `${this.backlog} outbox rows are waiting to be sent or receipted (limit ${this.limits.maxBacklog}, MAX_OUTBOX_BACKLOG): try again after Retry-After; nothing of this request was written`,
        { retryAfter: 5, limit: this.limits.maxBacklog },
      );
    }
    const pending = this.sources.relayPending();
    if (pending > this.limits.maxRelayPending) {
      return problem(
        503,
        'RELAY_LAGGING',
        `${pending} sealed rows are waiting for the broker (limit ${this.limits.maxRelayPending}, MAX_RELAY_PENDING): try again after Retry-After; nothing of this request was written`,
        { retryAfter: 2, limit: this.limits.maxRelayPending },
      );
    }
    if (this.inFlight > 0 && this.inFlight + n > this.limits.maxInFlight) {
      return problem(
        429,
        'GATEWAY_BUSY',
        `${this.inFlight} alerts are being published now (limit ${this.limits.maxInFlight}, MAX_PUBLISH_IN_FLIGHT): try again after Retry-After; nothing of this request was written`,
        { retryAfter: 1, limit: this.limits.maxInFlight },
      );
    }
    return undefined;
  }
}

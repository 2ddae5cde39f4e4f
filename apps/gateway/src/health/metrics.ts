// Prometheus metrics of the exchange, one registry per gateway process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * How often the event-loop delay is sampled (prom-client's default is 10 ms). Node's monitorEventLoopDelay arms a
 * libuv timer at this interval for the life of the process: at 10 ms an idle gateway woke 100 times a second for it
 * alone, about two thirds of all its idle wake-ups, and each wake-up of a virtual CPU costs far more than the sample
 * (measured here: 140 -> 50 wake-ups/s and 3.7 -> 2.4 % of a core idle). At 100 ms a stall longer than 100 ms is
 * always seen, a shorter one in proportion to its length. The histogram records the interval between samples, so
 * its values are this interval plus the delay (bench/lib/runtime.ts subtracts it).
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly published = new Counter({
    name: 'corridor_alerts_published_total',
    help: 'alerts accepted by the API',
    labelNames: ['category'],
    registers: [this.registry],
  });
  readonly refused = new Counter({
    name: 'corridor_recipients_refused_total',
    help: 'recipients refused by policy on send',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly sent = new Counter({
    name: 'corridor_envelopes_sent_total',
    help: 'envelopes produced to Kafka',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly received = new Counter({
    name: 'corridor_envelopes_received_total',
    help: 'envelopes accepted from Kafka',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'corridor_envelopes_rejected_total',
    help: 'inbound envelopes quarantined',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly failed = new Counter({
    name: 'corridor_deliveries_failed_total',
    help: 'outbox rows given up after the retry bound',
    registers: [this.registry],
  });
  readonly receiptsFailed = new Counter({
    name: 'corridor_receipts_failed_total',
    help: 'receipts owed to partners given up after the retry bound (kept in receipts_due with failed_at)',
    registers: [this.registry],
  });
  readonly receiptsGivenUp = new Gauge({
    name: 'corridor_receipts_given_up',
    help: 'receipts owed to partners given up, still in receipts_due (failed_at) for the operator',
    registers: [this.registry],
  });
  readonly receiptLatency = new Histogram({
    name: 'corridor_receipt_latency_seconds',
    help: 'time from queueing to the partner receipt',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly outboxDepth = new Gauge({
    name: 'corridor_outbox_depth',
    help: 'outbox rows waiting to be sent',
    registers: [this.registry],
  });
  readonly consumerLag = new Gauge({
    name: 'corridor_consumer_lag',
    help: 'records not yet consumed on incoming topics',
    registers: [this.registry],
  });
  readonly deskClients = new Gauge({
    name: 'corridor_desk_clients',
    help: 'connected desk sockets',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({
      register: this.registry,
      prefix: 'corridor_process_',
      eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    });
  }
}

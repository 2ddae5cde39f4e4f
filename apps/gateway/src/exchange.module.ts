// Wires the exchange: trust store, exchange log, outbox relay, inbound consumer, desk hub, and their lifecycle.
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import {
  auditHeadsTopic,
  AuditEvent,
  controlTopic,
  gatewayConsumerGroups,
  gatewayControlTopic,
} from '@corridor/contracts';
import { DEFAULT_MAX_SKEW_MS } from '@corridor/envelope';
import { KafkaClient, loggerFor, ROOT_LOGGER, JobOptions, Scheduler } from '@corridor/platform';
import { AlertsController } from './alerts/alerts.controller';
import { Admission } from './alerts/admission';
import { AlertsService } from './alerts/alerts.service';
import { GatewayAgreementsController } from './agreements/agreements.controller';
import { AuditController } from './audit/audit.controller';
import { AuditLog } from './audit/audit.log';
import { runtimeDatabaseUrl } from './database/data-source';
import { GATEWAY_CONFIG, GatewayConfig } from './config/config';
import { DeliveriesGateway } from './deliveries/deliveries.gateway';
import { DeliveriesHub } from './deliveries/deliveries.hub';
import { DeskGateway } from './desk/desk.gateway';
import { SocketSignIn } from './sockets/socket-sign-in';
import { DeskHub } from './desk/desk.hub';
import { DeskViews } from './desk/desk.views';
import { InboundExchange } from './exchange/inbound';
import { ExchangeRepository } from './exchange/exchange.repository';
import { OutboxRepository } from './exchange/outbox.repository';
import { InboxRepository } from './inbox/inbox.repository';
import { AlertsRepository } from './alerts/alerts.repository';
import { ExchangeLogRepository } from './audit/exchange-log.repository';
import { TrustRepository } from './trust/trust.repository';
import { OutboxRelay } from './exchange/outbox';
import { GatewayMetrics } from './health/metrics';
import { DocumentCheckController, InboxController } from './inbox/inbox.controller';
import { InboxService } from './inbox/inbox.service';
import { ControlConsumer } from './trust/control.consumer';
import { RegisterRecordsRepository } from './registers/register-records.repository';
import { RegistersController } from './registers/registers.controller';
import { RegistersRepository } from './registers/registers.repository';
import { RegistersService } from './registers/registers.service';
import { EpochKeyManager } from './trust/epoch-key.manager';
import { EpochKeyRepository } from './trust/epoch-key.repository';
import { loadOwnIdentity, TrustStore } from './trust/trust.store';

export function consumerGroups(config: GatewayConfig): { exchange: string; control: string } {
  return gatewayConsumerGroups({
    country: config.country,
    instance: config.instance,
    prefix: config.kafka.topicPrefix,
  });
}

/** The suite-2 epoch key manager; null for a gateway without a P-256 identity (suite 1 only). */
export const EPOCH_KEY_MANAGER = Symbol('EPOCH_KEY_MANAGER');

/** Kept beyond the replay window and the clock skew before a dedupe row is forgotten. */
const DEDUPE_MARGIN_MS = 3600_000;
/** How often registers are looked at for partners whose agreement took effect after they were published. */
const REGISTER_SYNC_MS = 15_000;

@Injectable()
export class ExchangeLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly scheduler: Scheduler;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly trust: TrustStore,
    private readonly audit: AuditLog,
    private readonly control: ControlConsumer,
    private readonly relay: OutboxRelay,
    private readonly inbound: InboundExchange,
    private readonly hub: DeskHub,
    private readonly inbox: InboxService,
    private readonly kafka: KafkaClient,
    private readonly metrics: GatewayMetrics,
    private readonly admission: Admission,
    private readonly outboxRepo: OutboxRepository,
    private readonly ds: DataSource,
    @Inject(EPOCH_KEY_MANAGER) private readonly epochKeys: EpochKeyManager | null,
    private readonly registers: RegistersService,
  ) {
    this.logger = loggerFor(root, ExchangeLifecycle);
    this.scheduler = new Scheduler(this.logger);
  }

  private readonly logger: Logger;

  async onApplicationBootstrap(): Promise<void> {
    await this.trust.load();
    const check = await this.audit.verifyAgainstStoredHeads();
    if (!check.ok) {
      // Tampering with the log is an alarm for the secretariat; the gateway keeps exchanging so nothing is lost.
      this.logger.error(
        { alarm: 'EXCHANGE_LOG_TAMPERED', detail: check.detail },
        'exchange log does not match its signed heads',
      );
    }
    this.trust.on('agreement-changed', (c) => {
      this.audit
        .record([
          { event: AuditEvent.AGREEMENT_CHANGED, agreementId: c.id, peer: c.peer, reasonCode: c.state },
        ])
        .catch((err: unknown) =>
          this.logger.error({ err: (err as Error).message, agreement: c.id }, 'agreement change not logged'),
        );
    });
    await this.control.start();
    if (this.epochKeys) {
      // Before the consumer starts: the private epoch keys must be held to open suite-2 envelopes.
      await this.epochKeys.rotate(Date.now(), true);
      this.trust.epochKeys = this.epochKeys;
    }
    // An instance may run only some workers (e.g. API-only nodes); the database coordinates the rest.
    if (this.config.exchange.relay) {
      this.relay.start();
    }
    if (this.config.exchange.consumer) {
      await this.inbound.start();
      this.trust.on('agreements', () => this.inbound.refresh());
    }
    this.hub.start();
    // Housekeeping shares one lane, each job from a random point of its period (libs/platform/src/scheduler.ts):
    // never a burst of sweeps beside the alerts in flight.
    const every = (ms: number, fn: () => Promise<unknown>, what: string, opts?: JobOptions): void =>
      this.scheduler.every(what, ms, fn, opts);
    // Late agreements: registers published before a partner's agreement took effect reach it once, at once when
    // agreements change, and within REGISTER_SYNC_MS when an agreement's start time merely passes.
    this.trust.on('agreements', () => void this.syncRegisters());
    every(REGISTER_SYNC_MS, () => this.syncRegisters(), 'register sync for late agreements');
    every(this.config.audit.treeHeadIntervalMs, () => this.audit.publishHead(), 'tree head');
    every(this.config.audit.retentionSweepMs, () => this.inbox.purgeExpired(), 'retention purge');
    every(
      this.config.audit.retentionSweepMs,
      () =>
        this.inbox.forgetSeen(this.config.exchange.replayWindowMs + DEFAULT_MAX_SKEW_MS + DEDUPE_MARGIN_MS),
      'dedupe expiry',
    );
    every(
      this.config.audit.retentionSweepMs,
      () => this.inbox.expireQuarantine(this.config.audit.quarantineRetentionDays),
      'quarantine retention',
    );
    every(
      5_000,
      () => this.relay.flagOverdue(this.config.exchange.receiptTimeoutMs),
      'receipt timeout sweep',
    );
    every(60_000, async () => this.trust.checkCrlFreshness(), 'revocation list freshness');
    every(this.config.kafka.controlTopicsRefreshMs, () => this.control.refresh(), 'control topics');
    const epochKeys = this.epochKeys;
    if (epochKeys) {
      every(this.config.exchange.epochKeys.checkMs, () => epochKeys.rotate(Date.now()), 'epoch key rotation');
    }
    every(
      1_000,
      async () =>
        this.admission.sample(
          await this.outboxRepo.unsettled(this.ds, this.config.http.admission.maxBacklog + 1),
        ),
      'outbox backlog for backpressure',
      // its own lane: admission must see the backlog every second, not after a long sweep
      { lane: 'own' },
    );
    every(
      15_000,
      async () => {
        await this.relay.measureDepth();
        await this.inbound.measureReceiptsGivenUp();
        const topics = this.inbound.subscribedTopics;
        if (topics.length) {
          this.metrics.consumerLag.set(await this.kafka.lag(consumerGroups(this.config).exchange, topics));
        }
      },
      'lag metric',
    );
    this.logger.info({ partners: this.trust.partners(), logSize: this.audit.size }, 'exchange running');
  }

  private registerSync?: Promise<void>;

  /** One sync pass at a time (an agreement change and the timer may ask together). */
  private syncRegisters(): Promise<void> {
    const run = async (): Promise<void> => {
      try {
        await this.registers.syncLateAgreements();
      } catch (err) {
        this.logger.error(
          { err: (err as Error).message },
          'register sync for late agreements failed; retried',
        );
      }
    };
    this.registerSync = (this.registerSync ?? Promise.resolve()).then(run);
    return this.registerSync;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.scheduler.stop();
    await this.inbound.stop();
    await this.control.stop();
    await this.relay.stop();
    await this.hub.stop();
  }
}

@Module({
  controllers: [
    AlertsController,
    InboxController,
    DocumentCheckController,
    GatewayAgreementsController,
    AuditController,
    RegistersController,
  ],
  providers: [
    ExchangeLogRepository,
    RegistersRepository,
    RegisterRecordsRepository,
    AlertsRepository,
    TrustRepository,
    InboxRepository,
    ExchangeRepository,
    OutboxRepository,
    EpochKeyRepository,
    {
      provide: TrustStore,
      inject: [GATEWAY_CONFIG, DataSource, TrustRepository, EpochKeyRepository, ROOT_LOGGER],
      useFactory: (
        c: GatewayConfig,
        ds: DataSource,
        repo: TrustRepository,
        epochRepo: EpochKeyRepository,
        l: Logger,
      ) =>
        new TrustStore(
          loadOwnIdentity({
            dir: c.trust.dir,
            passphrase: c.trust.keyPassphrase,
            country: c.country,
            suites: c.exchange.suites,
          }),
          ds,
          repo,
          c.kafka.topicPrefix,
          loggerFor(l, TrustStore),
          epochRepo,
        ),
    },
    {
      provide: EPOCH_KEY_MANAGER,
      inject: [GATEWAY_CONFIG, DataSource, EpochKeyRepository, TrustStore, KafkaClient, ROOT_LOGGER],
      useFactory: (
        c: GatewayConfig,
        ds: DataSource,
        repo: EpochKeyRepository,
        t: TrustStore,
        k: KafkaClient,
        l: Logger,
      ) => {
        const ec = t.own.ec;
        if (!ec) {
          return null;
        }
        // Its own control topic (only its principal writes it); the shared one too while a network migrates.
        const topics = [
          gatewayControlTopic(c.country, c.kafka.topicPrefix),
          ...(c.kafka.legacyControlPublish ? [controlTopic(c.kafka.topicPrefix)] : []),
        ];
        return new EpochKeyManager(
          ds,
          repo,
          {
            country: c.country,
            identity: ec,
            passphrase: c.trust.keyPassphrase,
            suites: t.own.suites,
            epochMs: c.exchange.epochKeys.epochMs,
            retainMs: c.exchange.epochKeys.retainMs,
            publish: async (key, value) => {
              for (const topic of topics) {
                await k.send(topic, [{ key, value }]);
              }
            },
            certificateNotBefore: (fingerprint) => t.certificateNotBefore(fingerprint),
          },
          loggerFor(l, EpochKeyManager),
        );
      },
    },
    {
      provide: AuditLog,
      inject: [GATEWAY_CONFIG, DataSource, ExchangeLogRepository, TrustStore, KafkaClient, ROOT_LOGGER],
      useFactory: (
        c: GatewayConfig,
        ds: DataSource,
        repo: ExchangeLogRepository,
        t: TrustStore,
        k: KafkaClient,
        l: Logger,
      ) => new AuditLog(ds, repo, t, k, auditHeadsTopic(c.kafka.topicPrefix), loggerFor(l, AuditLog)),
    },
    {
      provide: OutboxRelay,
      inject: [
        GATEWAY_CONFIG,
        DataSource,
        OutboxRepository,
        KafkaClient,
        TrustStore,
        AuditLog,
        GatewayMetrics,
        ROOT_LOGGER,
      ],
      useFactory: (
        c: GatewayConfig,
        ds: DataSource,
        repo: OutboxRepository,
        k: KafkaClient,
        t: TrustStore,
        a: AuditLog,
        m: GatewayMetrics,
        l: Logger,
      ) =>
        new OutboxRelay(
          ds,
          repo,
          k,
          t,
          a,
          m,
          { pollMs: c.exchange.outboxPollMs, maxAttempts: c.exchange.outboxMaxAttempts },
          loggerFor(l, OutboxRelay),
        ),
    },
    {
      provide: InboundExchange,
      inject: [
        GATEWAY_CONFIG,
        DataSource,
        InboxRepository,
        ExchangeRepository,
        OutboxRepository,
        KafkaClient,
        TrustStore,
        AuditLog,
        OutboxRelay,
        GatewayMetrics,
        ROOT_LOGGER,
        RegisterRecordsRepository,
      ],
      useFactory: (
        c: GatewayConfig,
        ds: DataSource,
        inbox: InboxRepository,
        exchange: ExchangeRepository,
        outbox: OutboxRepository,
        k: KafkaClient,
        t: TrustStore,
        a: AuditLog,
        r: OutboxRelay,
        m: GatewayMetrics,
        l: Logger,
        registerRecords: RegisterRecordsRepository,
      ) =>
        new InboundExchange(
          ds,
          { inbox, exchange, outbox, registerRecords },
          k,
          t,
          a,
          r,
          m,
          {
            groupId: consumerGroups(c).exchange,
            maxAgeMs: c.exchange.replayWindowMs,
            receiptBatchMs: c.exchange.receiptBatchMs,
            maxEnvelopeBytes: c.exchange.maxEnvelopeBytes,
          },
          loggerFor(l, InboundExchange),
        ),
    },
    {
      provide: ControlConsumer,
      inject: [GATEWAY_CONFIG, KafkaClient, TrustStore, ROOT_LOGGER],
      useFactory: (c: GatewayConfig, k: KafkaClient, t: TrustStore, l: Logger) =>
        new ControlConsumer(
          k,
          t,
          { topicPrefix: c.kafka.topicPrefix, groupId: consumerGroups(c).control },
          loggerFor(l, ControlConsumer),
        ),
    },
    {
      provide: AlertsService,
      inject: [
        DataSource,
        AlertsRepository,
        OutboxRepository,
        TrustStore,
        AuditLog,
        OutboxRelay,
        GatewayMetrics,
        ROOT_LOGGER,
        Admission,
      ],
      useFactory: (
        ds: DataSource,
        alerts: AlertsRepository,
        outbox: OutboxRepository,
        t: TrustStore,
        a: AuditLog,
        r: OutboxRelay,
        m: GatewayMetrics,
        l: Logger,
        admission: Admission,
      ) => new AlertsService(ds, { alerts, outbox }, t, a, r, m, loggerFor(l, AlertsService), admission),
    },
    {
      provide: RegistersService,
      inject: [
        DataSource,
        RegistersRepository,
        OutboxRepository,
        TrustStore,
        AuditLog,
        OutboxRelay,
        ROOT_LOGGER,
        Admission,
      ],
      useFactory: (
        ds: DataSource,
        registers: RegistersRepository,
        outbox: OutboxRepository,
        t: TrustStore,
        a: AuditLog,
        r: OutboxRelay,
        l: Logger,
        admission: Admission,
      ) =>
        new RegistersService(ds, { registers, outbox }, t, a, r, loggerFor(l, RegistersService), admission),
    },
    {
      provide: Admission,
      inject: [GATEWAY_CONFIG, OutboxRelay],
      useFactory: (c: GatewayConfig, r: OutboxRelay) =>
        new Admission(c.http.admission, { relayPending: () => r.inMemory }),
    },
    {
      provide: InboxService,
      inject: [
        GATEWAY_CONFIG,
        DataSource,
        InboxRepository,
        ExchangeRepository,
        AuditLog,
        OutboxRelay,
        TrustStore,
        ROOT_LOGGER,
        RegisterRecordsRepository,
      ],
      useFactory: (
        c: GatewayConfig,
        ds: DataSource,
        inbox: InboxRepository,
        exchange: ExchangeRepository,
        a: AuditLog,
        r: OutboxRelay,
        t: TrustStore,
        l: Logger,
        registerRecords: RegisterRecordsRepository,
      ) =>
        new InboxService(
          ds,
          { inbox, exchange, registerRecords },
          a,
          r,
          c.country,
          (partner) => t.agreementWith(partner),
          loggerFor(l, InboxService),
        ),
    },
    {
      provide: DeskHub,
      inject: [GATEWAY_CONFIG, InboxService, InboxRepository, GatewayMetrics, ROOT_LOGGER],
      useFactory: (c: GatewayConfig, i: InboxService, repo: InboxRepository, m: GatewayMetrics, l: Logger) =>
        new DeskHub(
          i,
          repo,
          runtimeDatabaseUrl(c.database.url, c.database.appRole),
          m,
          loggerFor(l, DeskHub),
        ),
    },
    {
      provide: DeliveriesHub,
      inject: [GATEWAY_CONFIG, OutboxRepository, ROOT_LOGGER],
      useFactory: (c: GatewayConfig, outbox: OutboxRepository, l: Logger) =>
        new DeliveriesHub(
          outbox,
          runtimeDatabaseUrl(c.database.url, c.database.appRole),
          loggerFor(l, DeliveriesHub),
        ),
    },
    SocketSignIn,
    DeliveriesGateway,
    {
      provide: DeskViews,
      inject: [GATEWAY_CONFIG, DataSource, AlertsRepository, OutboxRepository, InboxRepository],
      useFactory: (
        c: GatewayConfig,
        ds: DataSource,
        alerts: AlertsRepository,
        outbox: OutboxRepository,
        inbox: InboxRepository,
      ) => new DeskViews(ds, { alerts, outbox, inbox }, c.country),
    },
    DeskGateway,
    ExchangeLifecycle,
  ],
})
export class ExchangeModule {}

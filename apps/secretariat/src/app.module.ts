import {
  BeforeApplicationShutdown,
  DynamicModule,
  Inject,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { secretariatHeadsGroup } from '@corridor/contracts';
import { SECRETARIAT_AUDIENCE } from '@corridor/identity';
import {
  authCookieNames,
  AuthGuard,
  BrowserAuthModule,
  KafkaClient,
  connectKafkaOverTls,
  loggerFor,
  ProblemFilter,
  ROOT_LOGGER,
} from '@corridor/platform';
import { AgreementsController } from './agreements/agreements.controller';
import { AuditController } from './audit/audit.controller';
import { AuditMonitor } from './audit/audit.monitor';
import { AgreementsService } from './agreements/agreements.service';
import { CaController } from './ca/ca.controller';
import { CaService, loadCa } from './ca/ca.service';
import { ControlPublisher } from './ca/control.publisher';
import { SECRETARIAT_CONFIG, SecretariatConfig } from './config';
import { openSecretariatDatabase } from './database/data-source';
import { KafkaGovernance } from './governance/kafka-governance';
import { HealthController } from './health.controller';

@Module({})
export class SecretariatModule
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  static forConfig(config: SecretariatConfig, logger: Logger): DynamicModule {
    return {
      module: SecretariatModule,
      imports: [
        // Auditors sign in to the audit page at the forum's provider (authorization code with PKCE, httpOnly
        // cookie); the page reads /v1 with that session. Scripts and the CLI send bearer tokens.
        BrowserAuthModule.forRoot({
          oidc: config.auth.oidc,
          devTokenSecret: config.auth.devTokenSecret,
          country: 'ZZ',
          audience: SECRETARIAT_AUDIENCE,
          browser: {
            baseUrl: config.http.publicUrl ?? `http://${config.http.host}:${config.http.port}`,
            page: '/audit/',
            pageName: 'the audit page',
            // Not the gateway's names: a gateway on the same host (another port) shares the browser's cookies.
            cookies: authCookieNames('corridor_audit'),
            sessionCheckMs: config.auth.oidc?.sessionCheckMs ?? 5000,
            restFromSession: true,
          },
          logger,
        }),
      ],
      controllers: [AgreementsController, CaController, AuditController, HealthController],
      providers: [
        { provide: SECRETARIAT_CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: logger },
        { provide: DataSource, useFactory: () => openSecretariatDatabase(config.database.url) },
        {
          provide: KafkaClient,
          useFactory: () =>
            connectKafkaOverTls({
              brokers: config.kafka.brokers,
              clientId: `secretariat-${config.id}`,
              files: config.kafka.tlsFiles,
              passphrase: config.ca.passphrase,
              issueCommand: `corridor pki kafka-cert --principal secretariat --ca-dir ${config.ca.dir} --out ${config.ca.dir}`,
              logger: loggerFor(logger, KafkaClient),
            }),
        },
        {
          provide: KafkaGovernance,
          inject: [KafkaClient],
          useFactory: (k: KafkaClient) =>
            new KafkaGovernance(
              k,
              config.kafka.topicPrefix,
              loggerFor(logger, KafkaGovernance),
              config.kafka.principalFormat,
              config.kafka.legacyControlWrite,
            ),
        },
        {
          provide: ControlPublisher,
          inject: [KafkaClient, KafkaGovernance],
          useFactory: (k: KafkaClient, g: KafkaGovernance) => new ControlPublisher(k, g.controlTopic),
        },
        {
          provide: CaService,
          inject: [DataSource, KafkaGovernance, ControlPublisher],
          useFactory: (ds: DataSource, g: KafkaGovernance, c: ControlPublisher) =>
            new CaService(
              loadCa(config.ca.dir, config.ca.passphrase),
              ds,
              g,
              c,
              config.ca.certValidityDays,
              loggerFor(logger, CaService),
            ),
        },
        {
          provide: AgreementsService,
          inject: [DataSource, CaService, KafkaGovernance, ControlPublisher],
          useFactory: (ds: DataSource, ca: CaService, g: KafkaGovernance, c: ControlPublisher) =>
            new AgreementsService(ds, ca, g, c, loggerFor(logger, AgreementsService)),
        },
        {
          provide: AuditMonitor,
          inject: [DataSource, KafkaClient, KafkaGovernance, CaService],
          useFactory: (ds: DataSource, k: KafkaClient, g: KafkaGovernance, ca: CaService) =>
            new AuditMonitor(
              ds,
              k,
              {
                headsTopic: g.headsTopic,
                groupId: secretariatHeadsGroup(config.kafka.topicPrefix),
                boundMs: config.audit.reconcileBoundMs,
                intervalMs: config.audit.reconcileIntervalMs,
                certFor: (country, fingerprint) => ca.certificateOf(country, fingerprint),
              },
              loggerFor(logger, AuditMonitor),
            ),
        },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }

  constructor(
    private readonly governance: KafkaGovernance,
    private readonly ca: CaService,
    private readonly kafka: KafkaClient,
    private readonly ds: DataSource,
    private readonly monitor: AuditMonitor,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = loggerFor(root, SecretariatModule);
  }

  private readonly logger: Logger;

  async onApplicationBootstrap(): Promise<void> {
    await this.governance.ensureControlTopics();
    await this.restoreAcls();
    await this.ca.publishRoot();
    await this.monitor.start();
    this.logger.info('control topic ready, root and certificates published');
  }

  /** ACLs follow the registry: re-applied at start (idempotent), so a rebuilt broker enforces the same agreements. */
  private async restoreAcls(): Promise<void> {
    const members = await this.ds.query<{ country: string }[]>(
      "select distinct country from certificates where revoked_at is null and purpose = 'signing'",
    );
    for (const m of members) {
      await this.governance.grantMembership(m.country);
    }
    const active = await this.ds.query<{ parties: string[] }[]>(
      "select parties from agreements where state = 'ACTIVE'",
    );
    for (const a of active) {
      await this.governance.openAgreement(a.parties as [string, string]);
    }
    // A revoked gateway stays cut off after a restart (its agreements' ACLs were just re-applied with the others).
    for (const country of await this.ca.revokedMembers()) {
      await this.governance.revokeMembership(country);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.monitor.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.kafka.close();
    await this.ds.destroy().catch(() => undefined);
  }
}

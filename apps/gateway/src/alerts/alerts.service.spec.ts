// AlertsService with fake repositories, trust store, audit log and relay: recipients, the policy per recipient,
// idempotency and the retry after a deadlock. The statements themselves are covered by the e2e tests.
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { AuditEvent, Category } from '@corridor/contracts';
import type { PublishAlertDto } from '@corridor/gateway-api';
import type { Principal } from '@corridor/identity';
import { ProblemException } from '@corridor/platform';
import type { ActiveAgreement } from '@corridor/policy';
import type { AuditLog, LeafInput } from '../audit/audit.log';
import type { OutboxEntry, OutboxPort, Pending, RefusedEntry } from '../exchange/outbox';
import type { OutboxRepository } from '../exchange/outbox.repository';
import { GatewayMetrics } from '../health/metrics';
import type { TrustStore } from '../trust/trust.store';
import type { AlertRow, AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';
import { activeAgreement } from '../../../../test/factories/agreements';

const NOW = Date.now();

function agreement(partner: string, categories: Category[]): ActiveAgreement {
  return activeAgreement({ id: `AG-LY-${partner}`, from: 'LY', to: partner, categories, nowMs: NOW });
}

const bulletin = (over: Partial<PublishAlertDto> = {}): PublishAlertDto => ({
  category: 'BULLETIN',
  priority: 'ROUTINE',
  classification: 'GREEN',
  handling: 'H1',
  title: 'Departures from Zuwara',
  bulletin: { title: 't', summary: 's', body: 'b' },
  ...over,
});

const publisher = { sub: 'agency.ly', roles: ['publisher'], agency: 'LY-COASTGUARD' } as unknown as Principal;

function setup(opts: { publishFails?: { code: string; times: number } } = {}) {
  const agreements: Record<string, ActiveAgreement> = {
    IT: agreement('IT', [Category.BULLETIN, Category.ROUTE]),
    NE: agreement('NE', [Category.ROUTE]),
  };
  const trust = {
    own: { country: 'LY' },
    partners: () => Object.keys(agreements),
    agreementWith: (p: string) => agreements[p],
  } as unknown as TrustStore;
  const published: AlertRow[] = [];
  const prior = new Map<string, { requestHash: string; response: unknown }>();
  let failures = opts.publishFails?.times ?? 0;
  const alerts: Partial<AlertsRepository> = {
    priorResponse: <T>(_db: unknown, who: string, key: string) =>
      Promise.resolve(prior.get(`${who}:${key}`) as { requestHash: string; response: T } | undefined),
    publish: (_db, p) => {
      if (failures > 0) {
        failures--;
        return Promise.reject(
          Object.assign(new Error('deadlock detected'), { code: opts.publishFails?.code }),
        );
      }
      published.push(p.alert);
      if (p.alert.idempotencyKey) {
        prior.set(`${p.alert.publisher}:${p.alert.idempotencyKey}`, {
          requestHash: p.alert.requestHash ?? '',
          response: p.alert.response,
        });
      }
      return Promise.resolve(new Map());
    },
  };
  const queued: OutboxEntry[] = [];
  const refused: RefusedEntry[] = [];
  const relay: OutboxPort = {
    enqueue: () => Promise.resolve([]),
    prepare: (entries, refusedEntries = []) => {
      queued.push(...entries);
      refused.push(...refusedEntries);
      return Promise.resolve({ params: [], pending: (): Pending[] => [] });
    },
    submit: () => undefined,
  };
  const recorded: LeafInput[] = [];
  const audit = {
    leafParameters: (l: LeafInput[]) => {
      recorded.push(...l);
      return [[], [], [], []];
    },
    record: (l: LeafInput[]) => {
      recorded.push(...l);
      return Promise.resolve();
    },
  } as unknown as AuditLog;
  const service = new AlertsService(
    {} as DataSource,
    { alerts: alerts as AlertsRepository, outbox: {} as OutboxRepository },
    trust,
    audit,
    relay,
    new GatewayMetrics(),
    pino({ level: 'silent' }),
  );
  return { service, published, queued, refused, recorded };
}

async function problemOf(p: Promise<unknown>): Promise<{ status: number; code: string; field?: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProblemException) {
      const body = err.getResponse() as { code: string; field?: string };
      return { status: err.getStatus(), code: body.code, field: body.field };
    }
    throw err;
  }
  throw new Error('expected a problem');
}

describe('AlertsService.publish', () => {
  it('sends to every partner whose agreement allows it and records the others as refused, in one publish', async () => {
    const { service, published, queued, refused, recorded } = setup();
    const res = await service.publish({ dto: bulletin(), principal: publisher });
    expect(res.recipients.map((r) => `${r.country}:${r.status}`).sort()).toEqual(['IT:QUEUED', 'NE:REFUSED']);
    expect(published).toHaveLength(1);
    expect(queued.map((q) => q.recipient)).toEqual(['IT']);
    expect(refused.map((r) => r.recipient)).toEqual(['NE']);
    expect(
      recorded.map((l) => `${l.event === AuditEvent.QUEUED ? 'QUEUED' : 'REFUSED'}:${l.peer}`).sort(),
    ).toEqual(['QUEUED:IT', 'REFUSED:NE']);
  });

  it('refuses with 403 naming the rule when every recipient is refused, and publishes nothing', async () => {
    const { service, published } = setup();
    expect(
      await problemOf(service.publish({ dto: bulletin({ recipients: ['NE'] }), principal: publisher })),
    ).toEqual({
      status: 403,
      code: 'CATEGORY_NOT_GRANTED',
      field: 'recipients',
    });
    expect(published).toHaveLength(0);
  });

  it.each([
    [['LY'], 'RECIPIENT_IS_SELF', 'recipients[0]'],
    [['IT', 'TN'], 'UNKNOWN_RECIPIENT', 'recipients[1]'],
    [[], 'NO_RECIPIENTS', 'recipients'],
  ])('refuses recipients %j with %s naming the field', async (recipients, code, field) => {
    const { service } = setup();
    expect(await problemOf(service.publish({ dto: bulletin({ recipients }), principal: publisher }))).toEqual(
      {
        status: 422,
        code,
        field,
      },
    );
  });

  it('answers a repeated Idempotency-Key with the first answer, and refuses it for another body', async () => {
    const { service, published } = setup();
    const first = await service.publish({ dto: bulletin(), principal: publisher, idempotencyKey: 'k-1' });
    const again = await service.publish({ dto: bulletin(), principal: publisher, idempotencyKey: 'k-1' });
    expect(again).toEqual(first);
    expect(published).toHaveLength(1);
    expect(
      await problemOf(
        service.publish({ dto: bulletin({ title: 'other' }), principal: publisher, idempotencyKey: 'k-1' }),
      ),
    ).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('tries again after a deadlock (nothing was written), at most three times', async () => {
    const ok = setup({ publishFails: { code: '40P01', times: 2 } });
    await ok.service.publish({ dto: bulletin(), principal: publisher });
    expect(ok.published).toHaveLength(1);
    const stuck = setup({ publishFails: { code: '40P01', times: 10 } });
    await expect(stuck.service.publish({ dto: bulletin(), principal: publisher })).rejects.toThrow(
      'deadlock',
    );
    const other = setup({ publishFails: { code: '23503', times: 1 } });
    await expect(other.service.publish({ dto: bulletin(), principal: publisher })).rejects.toThrow(
      'deadlock',
    );
  });
});

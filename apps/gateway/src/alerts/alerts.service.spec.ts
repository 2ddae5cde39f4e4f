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
import type { BatchItem } from './batch-body';
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

function setup(
  opts: { publishFails?: { code: string; times: number }; agreements?: Record<string, ActiveAgreement> } = {},
) {
  const agreements: Record<string, ActiveAgreement> = opts.agreements ?? {
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
    priorResponses: <T>(_db: unknown, who: string, keys: string[]) =>
      Promise.resolve(
        new Map(
          keys.flatMap((k) => {
            const hit = prior.get(`${who}:${k}`);
            return hit ? [[k, hit as { requestHash: string; response: T }]] : [];
          }),
        ),
      ),
    publishMany: (_db, p) => {
      if (failures > 0) {
        failures--;
        return Promise.reject(
          Object.assign(new Error('deadlock detected'), { code: opts.publishFails?.code }),
        );
      }
      batches.push(p.alerts.length);
      for (const a of p.alerts) {
        published.push({ ...a, publisher: p.publisher });
        if (a.idempotencyKey) {
          prior.set(`${p.publisher}:${a.idempotencyKey}`, {
            requestHash: a.requestHash ?? '',
            response: a.response,
          });
        }
      }
      return Promise.resolve(new Map());
    },
  };
  const batches: number[] = [];
  const queued: OutboxEntry[] = [];
  const prepares: number[] = [];
  const refused: RefusedEntry[] = [];
  const relay: OutboxPort = {
    enqueue: () => Promise.resolve([]),
    prepare: (entries, refusedEntries = []) => {
      prepares.push(entries.length);
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
  return { service, published, queued, refused, recorded, batches, prepares };
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

describe('AlertsService.publishBatch', () => {
  const item = (index: number, dto: PublishAlertDto): BatchItem => ({ index, dto });

  it('answers each alert on its own: accepted, refused by every agreement, invalid by its field; one seal pass, one statement', async () => {
    const { service, published, queued, recorded, batches, prepares } = setup();
    const res = await service.publishBatch({
      principal: publisher,
      items: [
        item(0, bulletin({ title: 'first' })),
        item(1, bulletin({ recipients: ['NE'] })),
        item(2, bulletin({ recipients: ['TN'] })),
        {
          index: 3,
          invalid: { index: 3, code: 'VALIDATION_FAILED', field: 'title', detail: 'title is empty' },
        },
        item(4, bulletin({ title: 'last', recipients: ['IT'] })),
      ],
    });
    expect(res).toMatchObject({ accepted: 2, refused: 1, invalid: 2 });
    expect(res.results.map((r) => `${r.index}:${r.status}`)).toEqual([
      '0:ACCEPTED',
      '1:REFUSED',
      '2:INVALID',
      '3:INVALID',
      '4:ACCEPTED',
    ]);
    expect(res.results[2]).toMatchObject({ code: 'UNKNOWN_RECIPIENT', field: 'recipients[0]' });
    expect(res.results[1]).toMatchObject({ recipients: [{ country: 'NE', status: 'REFUSED' }] });
    expect(published.map((a) => a.title)).toEqual(['first', 'last']);
    expect(batches).toEqual([2]);
    expect(prepares).toEqual([2]);
    expect(queued.map((q) => q.recipient)).toEqual(['IT', 'IT']);
    // The refusals are log leaves too (NE for alert 0 and alert 1), in the same commit.
    expect(recorded.filter((l) => l.event === AuditEvent.REFUSED).map((l) => l.peer)).toEqual(['NE', 'NE']);
  });

  it('writes nothing but the refusal leaves when no alert is accepted', async () => {
    const { service, batches, recorded } = setup();
    const res = await service.publishBatch({
      principal: publisher,
      items: [item(0, bulletin({ recipients: ['NE'] }))],
    });
    expect(res).toMatchObject({ accepted: 0, refused: 1, invalid: 0 });
    expect(batches).toEqual([]);
    expect(recorded.map((l) => l.peer)).toEqual(['NE']);
  });

  it('answers a repeated batch under the same Idempotency-Key without queueing its alerts twice', async () => {
    const { service, published } = setup();
    const items = [item(0, bulletin({ title: 'a' })), item(1, bulletin({ title: 'b' }))];
    const first = await service.publishBatch({ principal: publisher, items, idempotencyKey: 'b-1' });
    const again = await service.publishBatch({ principal: publisher, items, idempotencyKey: 'b-1' });
    expect(again).toEqual(first);
    expect(published).toHaveLength(2);
    expect(published.map((a) => a.idempotencyKey)).toEqual(['b-1#0', 'b-1#1']);
    expect(
      await problemOf(
        service.publishBatch({
          principal: publisher,
          items: [item(0, bulletin({ title: 'other' }))],
          idempotencyKey: 'b-1',
        }),
      ),
    ).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('tries the whole batch again after a deadlock', async () => {
    const { service, published } = setup({ publishFails: { code: '40P01', times: 1 } });
    const res = await service.publishBatch({ principal: publisher, items: [item(0, bulletin())] });
    expect(res.accepted).toBe(1);
    expect(published).toHaveLength(1);
  });
});

describe('AlertsService.preview', () => {
  const route = (): PublishAlertDto => ({
    category: 'ROUTE',
    priority: 'FLASH',
    classification: 'AMBER',
    handling: 'H2',
    title: 'Convoy leaving Agadez',
    route: {
      originCountry: 'NE',
      transit: [],
      destinationCountry: 'IT',
      transportMode: 'PICKUP_TRUCK',
      risksToLife: ['DESERT_WITHOUT_WATER'],
      note: 'eight vehicles, satellite phone',
    },
  });

  it("shows each recipient the alert after its agreement's redaction, or why it is refused, and writes nothing", () => {
    const { service, published, queued, refused, recorded } = setup({
      agreements: {
        IT: activeAgreement({
          id: 'AG-LY-IT',
          from: 'LY',
          to: 'IT',
          categories: [Category.ROUTE],
          excludedFields: ['route.note'],
          nowMs: NOW,
        }),
        NE: agreement('NE', [Category.ROUTE]),
        TN: agreement('TN', [Category.BULLETIN]),
      },
    });
    const res = service.preview(route(), publisher);
    const by = Object.fromEntries(res.recipients.map((r) => [r.country, r]));
    expect(by.IT).toMatchObject({ status: 'ALLOWED', redactedFields: ['route.note'] });
    expect(by.IT.status === 'ALLOWED' && by.IT.alert.route).toEqual({
      originCountry: 'NE',
      destinationCountry: 'IT',
      transportMode: 'PICKUP_TRUCK',
      risksToLife: ['DESERT_WITHOUT_WATER'],
    });
    expect(by.NE).toMatchObject({ status: 'ALLOWED', redactedFields: [] });
    expect(by.NE.status === 'ALLOWED' && (by.NE.alert.route as { note?: string }).note).toBe(
      'eight vehicles, satellite phone',
    );
    expect(by.TN).toMatchObject({ status: 'REFUSED', reason: 'CATEGORY_NOT_GRANTED' });
    expect([published, queued, refused, recorded]).toEqual([[], [], [], []]);
  });

  it('names the field of an invalid alert as a publish does', async () => {
    const { service } = setup();
    await expect(
      problemOf(Promise.resolve().then(() => service.preview(bulletin({ bulletin: undefined }), publisher))),
    ).resolves.toMatchObject({ status: 422, code: 'PAYLOAD_MISSING', field: 'bulletin' });
  });
});

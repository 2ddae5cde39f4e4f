import {
  AlertSchema,
  create,
  DocumentAlertSchema,
  ProtectionReferralSchema,
  RouteAlertSchema,
  SuspectAlertSchema,
  toBinary,
} from '@corridor/contracts';
import type { Principal } from '@corridor/identity';
import { ProblemException } from '@corridor/platform';
import type { DataSource } from 'typeorm';
import type { AlertsRepository } from '../alerts/alerts.repository';
import type { OutboxRepository } from '../exchange/outbox.repository';
import type { FeedRow, InboxRepository } from '../inbox/inbox.repository';
import { DeskViews, pictureFields } from './desk.views';

const officer: Principal = {
  sub: 'officer.tripoli',
  country: 'LY',
  roles: ['officer'],
  clearance: 'AMBER',
  categories: ['ROUTE'],
};

describe('situational picture fields', () => {
  it('keeps a route’s stops with coordinates when given, the country otherwise', () => {
    const alert = create(AlertSchema, {
      payload: {
        case: 'route',
        value: create(RouteAlertSchema, {
          originCountry: 'NE',
          origin: { place: 'Agadez', country: 'NE', point: { lat: 16.97, lon: 7.99 } },
          transit: [{ place: 'Sabha', country: 'LY' }],
          destinationCountry: 'IT',
          transportMode: 'LAND',
        }),
      },
    });
    expect(pictureFields(alert).waypoints).toEqual([
      { role: 'origin', place: 'Agadez', country: 'NE', lat: 16.97, lon: 7.99 },
      { role: 'transit', place: 'Sabha', country: 'LY', lat: null, lon: null },
      { role: 'destination', place: '', country: 'IT', lat: null, lon: null },
    ]);
  });

  it('shares a document’s issuing state and a referral’s position, never a number, a name or a phone', () => {
    const doc = pictureFields(
      create(AlertSchema, {
        payload: {
          case: 'document',
          value: create(DocumentAlertSchema, {
            documentType: 'PASSPORT',
            issuingState: 'NER',
            number: 'L898902C3',
            fraudType: 'FORGED',
          }),
        },
      }),
    );
    expect(doc.document).toEqual({ documentType: 'PASSPORT', issuingState: 'NER', fraudType: 'FORGED' });
    expect(JSON.stringify(doc)).not.toContain('L898902C3');
    const referral = pictureFields(
      create(AlertSchema, {
        payload: {
          case: 'protectionReferral',
          value: create(ProtectionReferralSchema, {
            need: 'DISTRESS_AT_SEA',
            peopleCount: 40,
            lastKnownPosition: { lat: 33.4, lon: 12.2 },
            lastKnownPlace: 'north of Zuwara',
            contactChannel: '+218 91 000 0000',
          }),
        },
      }),
    );
    expect(referral.referral).toEqual({
      need: 'DISTRESS_AT_SEA',
      peopleCount: 40,
      place: 'north of Zuwara',
      lat: 33.4,
      lon: 12.2,
    });
    expect(JSON.stringify(referral)).not.toContain('+218');
    const suspect = pictureFields(
      create(AlertSchema, {
        payload: { case: 'suspect', value: create(SuspectAlertSchema, { familyName: 'EXAMPLE' }) },
      }),
    );
    expect(JSON.stringify(suspect)).not.toContain('EXAMPLE');
  });
});

describe('desk views: requests refused with the field at fault', () => {
  // Nothing reaches the database: every request here fails its checks first.
  const never = new Proxy({}, { get: () => () => Promise.reject(new Error('no database call expected')) });
  const views = new DeskViews(
    never as DataSource,
    {
      alerts: never as AlertsRepository,
      outbox: never as OutboxRepository,
      inbox: never as InboxRepository,
    },
    'LY',
  );
  const fieldOf = async (p: Promise<unknown>): Promise<string | undefined> => {
    try {
      await p;
    } catch (err) {
      expect(err).toBeInstanceOf(ProblemException);
      return (err as ProblemException).problem.field;
    }
    throw new Error('expected a refusal');
  };

  it.each([
    [{ from: 'yesterday', to: '2026-12-02T00:00:00Z' }, 'from'],
    [{ from: '2026-12-02T00:00:00Z' }, 'to'],
    [{ from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' }, 'to'],
    [{ from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'to'],
  ])('picture %j names %s', async (req, field) => {
    expect(await fieldOf(views.picture(officer, req))).toBe(field);
  });

  it.each([
    [{ origin: 'ly', alertId: '0193a5b0-0000-7000-8000-000000000001' }, 'origin'],
    [{ origin: 'NE', alertId: 'x' }, 'alertId'],
  ])('history %j names %s', async (req, field) => {
    expect(await fieldOf(views.history(officer, req))).toBe(field);
  });

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 1000 }, 'limit'],
    [{ before: 12 }, 'before'],
  ])('sent %j names %s', async (req, field) => {
    expect(await fieldOf(views.sent(officer, req))).toBe(field);
  });
});

describe('situational picture acknowledgements', () => {
  const route = Buffer.from(
    toBinary(
      AlertSchema,
      create(AlertSchema, {
        payload: {
          case: 'route',
          value: create(RouteAlertSchema, { originCountry: 'NE', destinationCountry: 'IT' }),
        },
      }),
    ),
  );
  const received = (over: Partial<FeedRow>): FeedRow =>
    ({
      seq: '1',
      feed_seq: '11',
      event: 'ALERT',
      sender: 'NE',
      alert_id: '0193a5b0-0000-7000-8000-000000000001',
      category: 'ROUTE',
      priority: 'URGENT',
      classification: 'AMBER',
      title: 'Convoy',
      body: route,
      received_at: new Date('2026-12-01T10:00:00Z'),
      state: 'ACTIVE',
      acknowledged_by: null,
      acknowledged_at: null,
      ...over,
    }) as FeedRow;

  it('says which received alerts this country acknowledged, by whom and when, whichever desk did it', async () => {
    const inbox = {
      alertsInPeriod: () =>
        Promise.resolve([
          received({
            alert_id: 'acked',
            acknowledged_by: 'officer.tripoli',
            acknowledged_at: new Date('2026-12-01T11:00:00Z'),
          }),
          received({ alert_id: 'open', feed_seq: '12' }),
        ]),
    } as unknown as InboxRepository;
    const alerts = {
      sentInPeriod: () =>
        Promise.resolve([
          {
            id: 'own',
            category: 'ROUTE',
            priority: 'URGENT',
            classification: 'AMBER',
            title: 'Ours',
            created_at: new Date('2026-12-01T09:00:00Z'),
            alert: route,
          },
        ]),
    } as unknown as AlertsRepository;
    const views = new DeskViews({} as DataSource, { alerts, outbox: {} as OutboxRepository, inbox }, 'LY');
    const { items } = await views.picture(officer, {
      from: '2026-12-01T00:00:00Z',
      to: '2026-12-02T00:00:00Z',
    });
    expect(items.map((i) => [i.alertId, i.seq, i.acknowledgedBy, i.acknowledgedAt])).toEqual([
      ['acked', 11, 'officer.tripoli', '2026-12-01T11:00:00.000Z'],
      ['open', 12, null, null],
      ['own', null, null, null],
    ]);
  });
});

// Reply threads as conversations and an alert's history in order.
import type { AlertVersion, DeskItem, SentDelivery } from '@corridor/gateway-api';
import { describe, expect, it } from 'vitest';
import { numericOf } from './countries';
import { orderHistory, partnerStates } from './sent';
import { conversations } from './threads';

const base = (over: Partial<DeskItem>): DeskItem => ({
  seq: 1,
  event: 'ALERT',
  inboxSeq: 1,
  sender: 'LY',
  origin: 'LY',
  alertId: 'a1',
  threadId: 't1',
  category: 'ROUTE',
  priority: 'URGENT',
  classification: 'AMBER',
  title: 'Convoy',
  state: 'ACTIVE',
  receivedAt: '2026-12-01T10:00:00Z',
  acknowledgedBy: null,
  acknowledgedAt: null,
  redactedFields: [],
  summary: {},
  reply: null,
  ...over,
});
const reply = (seq: number, over: Partial<DeskItem>): DeskItem =>
  base({ seq, inboxSeq: seq, event: 'REPLY', title: null, ...over });

describe('conversations', () => {
  it('groups replies by the alert they are about, with the replies sent from here, oldest message first', () => {
    const alert = base({});
    const rows = [
      alert,
      reply(5, {
        receivedAt: '2026-12-01T10:05:00Z',
        reply: { body: 'How many boats?', officerId: 'officer.tripoli' },
      }),
      reply(9, {
        receivedAt: '2026-12-01T10:20:00Z',
        reply: { body: 'Three boats', officerId: 'officer.tripoli' },
      }),
      // a reply about one of this country's alerts (origin IT), from NE
      reply(7, {
        sender: 'NE',
        origin: 'IT',
        alertId: 'own1',
        receivedAt: '2026-12-01T11:00:00Z',
        reply: { body: 'Seen at Agadez', officerId: 'officer.niamey' },
      }),
    ];
    const sent = new Map([
      ['LY/a1', [{ body: 'Which departure point?', at: '2026-12-01T10:10:00Z', replyId: 'r1' }]],
    ]);
    const list = conversations(rows, sent);
    expect(list.map((c) => c.key)).toEqual(['IT/own1', 'LY/a1']);
    const [own, ly] = list;
    expect(own.subject).toBeUndefined();
    expect(own.partners).toEqual(['NE']);
    expect(own.replyTo?.seq).toBe(7);
    expect(ly.subject).toBe(alert);
    expect(ly.messages.map((m) => [m.mine, m.body])).toEqual([
      [false, 'How many boats?'],
      [true, 'Which departure point?'],
      [false, 'Three boats'],
    ]);
    expect(ly.lastAt).toBe('2026-12-01T10:20:00Z');
    // a new message answers the newest reply received
    expect(ly.replyTo?.seq).toBe(9);
  });

  it('keeps a thread of replies sent from here only, answering the alert itself', () => {
    const alert = base({ origin: 'NE', sender: 'NE', alertId: 'b2' });
    const list = conversations(
      [alert],
      new Map([['NE/b2', [{ body: 'Any update?', at: '2026-12-01T12:00:00Z', replyId: 'x' }]]]),
    );
    expect(list).toHaveLength(1);
    expect(list[0].replyTo).toBe(alert);
    expect(list[0].messages[0].mine).toBe(true);
  });

  it('has no conversation for alerts nobody replied to', () => {
    expect(conversations([base({})], new Map())).toEqual([]);
  });
});

describe('history and delivery per partner', () => {
  it('orders versions by time, then version, publication before update before withdrawal', () => {
    const v = (version: number, event: AlertVersion['event'], at: string): AlertVersion => ({
      version,
      event,
      at,
      by: 'NE/agency',
      reason: null,
    });
    const ordered = orderHistory([
      v(2, 'WITHDRAWN', '2026-12-01T12:00:00Z'),
      v(2, 'UPDATED', '2026-12-01T11:00:00Z'),
      v(1, 'PUBLISHED', '2026-12-01T10:00:00Z'),
      v(2, 'UPDATED', '2026-12-01T12:00:00Z'),
    ]);
    expect(ordered.map((x) => `${x.version}${x.event[0]}@${x.at.slice(11, 13)}`)).toEqual([
      '1P@10',
      '2U@11',
      '2U@12',
      '2W@12',
    ]);
  });

  it('gives one line per partner: the state of the newest message, the acknowledgement of the alert', () => {
    const d = (
      recipient: string,
      kind: SentDelivery['kind'],
      status: string,
      queuedAt: string,
      ack?: string,
    ) => ({
      recipient,
      kind,
      status,
      reason: status === 'REFUSED' ? 'not in the agreement' : null,
      queuedAt,
      sentAt: null,
      deliveredAt: status === 'DELIVERED' ? queuedAt : null,
      acknowledgedBy: ack ?? null,
      acknowledgedAt: ack ? '2026-12-01T10:30:00Z' : null,
    });
    const states = partnerStates([
      d('LY', 'ALERT', 'DELIVERED', '2026-12-01T10:00:00Z', 'LY/officer.tripoli'),
      d('IT', 'ALERT', 'REFUSED', '2026-12-01T10:00:00Z'),
      d('LY', 'UPDATE', 'QUEUED', '2026-12-01T11:00:00Z'),
    ]);
    expect(states.map((s) => [s.recipient, s.kind, s.status, s.acknowledgedBy, s.messages])).toEqual([
      ['IT', 'ALERT', 'REFUSED', null, 1],
      ['LY', 'UPDATE', 'QUEUED', 'LY/officer.tripoli', 2],
    ]);
    expect(states[0].reason).toBe('not in the agreement');
  });
});

describe('country codes', () => {
  it('finds the world-atlas id of an alpha-2 or alpha-3 code, and nothing for an unknown one', () => {
    expect(numericOf('LY')).toBe('434');
    expect(numericOf('NER')).toBe('562');
    expect(numericOf('it')).toBe('380');
    expect(numericOf('UTO')).toBeNull();
  });
});

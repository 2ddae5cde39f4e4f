// The desk's new pages rendered into happy-dom with the real catalogues and a real DeskSession whose requests are
// answered here (no socket): sent alerts per partner, the picture's filters and timeline, conversations.
import type { DeskItem, PictureItem, SentAlert } from '@corridor/gateway-api';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initI18n, setLanguage } from '../shared/i18n';
import { ConversationsView } from './ConversationsView';
import { SessionContext } from './hooks';
import { PictureView } from './PictureView';
import { SentView } from './SentView';
import { DeskSession } from './session';

type Answers = Record<string, unknown>;

function sessionAnswering(answers: Answers): DeskSession {
  const session = new DeskSession();
  session.hello = {
    officer: 'LY/officer',
    country: 'LY',
    desk: null,
    clearance: 'RED',
    categories: ['ROUTE'],
    latestSeq: 0,
  };
  session.request = ((event: string) =>
    Promise.resolve(
      event in answers
        ? { ok: true, value: answers[event] }
        : { ok: false, error: { key: 'errors.timeout' } },
    )) as DeskSession['request'];
  return session;
}

async function mount(session: DeskSession, node: preact.ComponentChild): Promise<HTMLElement> {
  const host = document.createElement('div');
  document.body.appendChild(host);
  await act(async () => {
    render(<SessionContext.Provider value={session}>{node}</SessionContext.Provider>, host);
  });
  // The effects run once the first act is over; their requests are answered within the second.
  await act(async () => {
    await new Promise((r) => setTimeout(r, 30));
  });
  return host;
}

const sentAlert: SentAlert = {
  id: '0193a5b0-0000-7000-8000-000000000001',
  threadId: '0193a5b0-0000-7000-8000-000000000001',
  category: 'ROUTE',
  priority: 'FLASH',
  classification: 'AMBER',
  title: 'Pick-ups near Sabha',
  state: 'ACTIVE',
  version: 2,
  publishedAt: '2026-12-01T10:00:00Z',
  publishedBy: 'agency.ly',
  deliveries: [
    {
      recipient: 'NE',
      kind: 'ALERT',
      status: 'DELIVERED',
      reason: null,
      queuedAt: '2026-12-01T10:00:00Z',
      sentAt: '2026-12-01T10:00:01Z',
      deliveredAt: '2026-12-01T10:00:02Z',
      acknowledgedBy: 'NE/officer.niamey',
      acknowledgedAt: '2026-12-01T10:05:00Z',
    },
    {
      recipient: 'IT',
      kind: 'ALERT',
      status: 'REFUSED',
      reason: 'category not in the agreement',
      queuedAt: '2026-12-01T10:00:00Z',
      sentAt: null,
      deliveredAt: null,
      acknowledgedBy: null,
      acknowledgedAt: null,
    },
  ],
};

const pic = (over: Partial<PictureItem>): PictureItem => ({
  seq: 1,
  origin: 'NE',
  sender: 'NE',
  alertId: 'a1',
  category: 'ROUTE',
  priority: 'URGENT',
  classification: 'AMBER',
  title: 'Convoy',
  at: new Date(Date.now() - 3_600_000).toISOString(),
  waypoints: [],
  summary: { originCountry: 'NE', destinationCountry: 'LY' },
  acknowledgedBy: null,
  acknowledgedAt: null,
  ...over,
});

describe('desk pages', () => {
  beforeAll(async () => {
    await initI18n('en');
    // No gateway here to serve the country outlines: the map says they are unavailable and draws the rest.
    globalThis.fetch = () => Promise.reject(new Error('no server in unit tests'));
  });
  afterEach(async () => {
    document.body.replaceChildren();
    await setLanguage('en');
  });

  it('shows each partner’s copy of a sent alert, in the reader’s language', async () => {
    await setLanguage('fr');
    const host = await mount(sessionAnswering({ sent: { alerts: [sentAlert] } }), <SentView />);
    const rows = [...host.querySelectorAll<HTMLElement>('[data-testid=sent-partner]')];
    expect(rows.map((r) => [r.dataset.recipient, r.dataset.status])).toEqual([
      ['IT', 'REFUSED'],
      ['NE', 'DELIVERED'],
    ]);
    expect(rows[0].textContent).toContain('alerte : refusée par l’accord');
    expect(rows[0].textContent).toContain('category not in the agreement');
    expect(rows[1].querySelector('[data-testid=sent-ack]')!.textContent).toContain('NE/officer.niamey');
    expect(host.querySelector('h2')!.textContent).toBe('Alertes envoyées par votre pays');
  });

  it('says why sent alerts are unavailable', async () => {
    const host = await mount(sessionAnswering({}), <SentView />);
    expect(host.querySelector('[role=alert]')!.textContent).toContain('Sent alerts unavailable');
  });

  it('narrows the picture by partner and priority, and the timeline window', async () => {
    const items = [
      pic({ alertId: 'a1', sender: 'NE', priority: 'FLASH' }),
      pic({ alertId: 'a2', sender: 'LY', origin: 'LY', seq: null }),
      pic({
        alertId: 'a3',
        sender: 'NE',
        category: 'PROTECTION_REFERRAL',
        referral: { need: 'DISTRESS_AT_SEA', peopleCount: 3, place: 'Zuwara', lat: 33, lon: 12 },
      }),
    ];
    const host = await mount(sessionAnswering({ picture: { items, truncated: false } }), <PictureView />);
    const keys = () =>
      [...host.querySelectorAll<HTMLElement>('[data-testid=picture-item]')]
        .map((li) => li.dataset.key)
        .sort();
    expect(keys()).toEqual(['LY/a2', 'NE/a1', 'NE/a3']);
    const choose = async (testid: string, value: string) => {
      const select = host.querySelector<HTMLSelectElement>(`[data-testid=${testid}]`)!;
      await act(() => {
        select.value = value;
        select.dispatchEvent(new Event('change', { bubbles: true }));
      });
    };
    await choose('picture-partner', 'NE');
    expect(keys()).toEqual(['NE/a1', 'NE/a3']);
    await choose('picture-priority', 'FLASH');
    expect(keys()).toEqual(['NE/a1']);
    await choose('picture-partner', '');
    await choose('picture-priority', '');
    const layer = host.querySelector<HTMLInputElement>('[data-testid=picture-layer-referrals]')!;
    await act(() => {
      layer.click();
    });
    expect(keys()).toEqual(['LY/a2', 'NE/a1']);
    // The window's end on the first day of the week: nothing of the last hour remains.
    const end = host.querySelector<HTMLInputElement>('[data-testid=window-end]')!;
    expect(end.max).toBe('6');
    await act(() => {
      end.value = '0';
      end.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(keys()).toEqual([]);
    expect(host.querySelector('[data-testid=picture-count]')!.textContent).toBe('0 of 3 alert(s) shown');
  });

  it('acknowledges the alert selected in the picture’s keyboard list with the acknowledge event', async () => {
    const session = sessionAnswering({
      picture: {
        items: [
          pic({ alertId: 'a1', seq: 7 }),
          pic({ alertId: 'a2', sender: 'LY', origin: 'LY', seq: null }),
        ],
        truncated: false,
      },
      acknowledge: { acknowledgedAt: '2026-12-01T10:05:00Z', acknowledgedBy: 'LY/officer' },
    });
    const asked: unknown[] = [];
    const answer = session.request;
    session.request = ((event: string, req: unknown) => {
      asked.push([event, req]);
      return answer(event as 'picture', req as { from: string; to: string });
    }) as DeskSession['request'];
    const host = await mount(session, <PictureView />);
    const item = (key: string) =>
      host.querySelector<HTMLElement>(`[data-testid=picture-item][data-key="${key}"]`)!;
    expect(host.querySelector('[data-testid=picture-ack]')).toBeNull();
    // This country's own alert selected: nothing to acknowledge.
    await act(() => {
      item('LY/a2').querySelector<HTMLButtonElement>('.picture-open')!.focus();
    });
    expect(item('LY/a2').querySelector('[data-testid=picture-ack]')).toBeNull();
    await act(() => {
      item('NE/a1').querySelector<HTMLButtonElement>('.picture-open')!.focus();
    });
    const button = item('NE/a1').querySelector<HTMLButtonElement>('[data-testid=picture-ack-button]')!;
    await act(async () => {
      button.click();
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(asked).toContainEqual(['acknowledge', { seq: 7 }]);
    const status = item('NE/a1').querySelector<HTMLElement>('[data-testid=picture-ack-status]')!;
    expect(status.dataset.state).toBe('acknowledged');
    expect(status.textContent).toContain('acknowledged by you');
    expect(item('NE/a1').querySelector('[data-testid=picture-ack-button]')).toBeNull();
  });

  it('shows an alert acknowledged before this tab’s feed as acknowledged, with no button, and keeps a new one', async () => {
    const session = sessionAnswering({
      picture: {
        items: [
          pic({
            alertId: 'mine',
            seq: 7,
            acknowledgedBy: 'LY/officer',
            acknowledgedAt: '2026-12-01T10:05:00Z',
          }),
          pic({
            alertId: 'colleague',
            seq: 8,
            acknowledgedBy: 'LY/other',
            acknowledgedAt: '2026-12-01T10:06:00Z',
          }),
          pic({ alertId: 'open', seq: 9 }),
        ],
        truncated: false,
      },
      acknowledge: { acknowledgedAt: '2026-12-01T10:07:00Z', acknowledgedBy: 'LY/officer' },
    });
    // The feed of this tab holds none of them (a reload with nothing saved, or acknowledged from another tab).
    expect(session.feed.rows.size).toBe(0);
    const host = await mount(session, <PictureView />);
    const select = async (key: string): Promise<HTMLElement> => {
      const li = host.querySelector<HTMLElement>(`[data-testid=picture-item][data-key="${key}"]`)!;
      await act(() => {
        li.querySelector<HTMLButtonElement>('.picture-open')!.focus();
      });
      return li;
    };
    const status = (li: HTMLElement) => li.querySelector<HTMLElement>('[data-testid=picture-ack-status]')!;
    const button = (li: HTMLElement) =>
      li.querySelector<HTMLButtonElement>('[data-testid=picture-ack-button]');

    const mine = await select('NE/mine');
    expect(button(mine)).toBeNull();
    expect(status(mine).dataset.state).toBe('acknowledged');
    expect(status(mine).textContent).toContain('acknowledged by you');
    const colleague = await select('NE/colleague');
    expect(button(colleague)).toBeNull();
    expect(status(colleague).textContent).toContain('LY/other');

    // One acknowledged here stays acknowledged when selected again, before the picture is asked again.
    let open = await select('NE/open');
    expect(status(open).dataset.state).toBe('open');
    await act(async () => {
      button(open)!.click();
      await new Promise((r) => setTimeout(r, 0));
    });
    await select('NE/mine');
    open = await select('NE/open');
    expect(button(open)).toBeNull();
    expect(status(open).dataset.state).toBe('acknowledged');
  });

  it('shows a thread as a conversation, theirs and mine in order, named by its alert’s title', async () => {
    const session = sessionAnswering({
      sent: { alerts: [{ ...sentAlert, id: 'own1', title: 'Pick-ups near Sabha' }] },
    });
    const reply: DeskItem = {
      seq: 4,
      event: 'REPLY',
      inboxSeq: 4,
      sender: 'NE',
      origin: 'LY',
      alertId: 'own1',
      threadId: 'own1',
      category: 'ROUTE',
      priority: 'URGENT',
      classification: 'AMBER',
      title: null,
      state: 'ACTIVE',
      receivedAt: '2026-12-01T10:00:00Z',
      acknowledgedBy: null,
      acknowledgedAt: null,
      redactedFields: [],
      summary: {},
      reply: { body: 'Seen at Agadez', officerId: 'officer.niamey' },
    };
    session.feed.receive(reply, false);
    session.feed.sentReplies.set('LY/own1', [
      { body: 'How many?', at: '2026-12-01T10:01:00Z', replyId: 'r' },
    ]);
    await setLanguage('ar');
    const host = await mount(session, <ConversationsView />);
    const messages = [...host.querySelectorAll<HTMLElement>('[data-testid=chat-message]')];
    expect(messages.map((m) => m.dataset.mine)).toEqual(['false', 'true']);
    expect(messages[0].textContent).toContain('Seen at Agadez');
    // A reply about one of this country's alerts: the title from the sent alerts, not the alert id.
    expect(host.querySelector('#conversation-title')!.textContent).toContain(
      'تنبيه بلدك «Pick-ups near Sabha»',
    );
    expect(document.documentElement.dir).toBe('rtl');
  });
});

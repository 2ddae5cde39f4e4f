// Views rendered into happy-dom with the real catalogues: a feed row and the detail's route in each language,
// partner text isolated, Arabic laid out right to left, codes in the reader's language; the acknowledgement row.
import type { DeskItem } from '@corridor/gateway-api';
import { render } from 'preact';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initI18n, setLanguage } from '../shared/i18n';
import { AckRow } from './AckRow';
import { FeedRow } from './DeskView';
import { summaryParts } from './summary';

const route = (over: Partial<DeskItem> = {}): DeskItem => ({
  seq: 3,
  event: 'ALERT',
  inboxSeq: 3,
  sender: 'LY',
  origin: 'LY',
  alertId: 'a1',
  threadId: null,
  category: 'ROUTE',
  priority: 'FLASH',
  classification: 'AMBER_STRICT',
  title: 'قوارب تغادر Zuwara الآن',
  state: 'ACTIVE',
  receivedAt: '2026-12-01T10:00:00Z',
  acknowledgedBy: null,
  acknowledgedAt: null,
  redactedFields: [],
  summary: { originCountry: 'LY', transit: ['Dirkou\u202E'], destinationCountry: 'IT', estimatedPeople: 120 },
  reply: null,
  ...over,
});

function mount(node: preact.ComponentChild): HTMLElement {
  const host = document.createElement('div');
  document.body.appendChild(host);
  render(node, host);
  return host;
}

describe('feed row', () => {
  beforeAll(async () => {
    await initI18n('en');
  });
  afterEach(async () => {
    document.body.replaceChildren();
    await setLanguage('en');
  });

  it('carries the row identity and isolates the partner title in a <bdi dir=auto>', () => {
    const host = mount(
      <FeedRow rowKey="alert:LY/a1" item={route()} selected={false} isNew={false} me={null} />,
    );
    const row = host.querySelector('li')!;
    expect(row.dataset.alertId).toBe('LY/a1');
    expect(row.dataset.priority).toBe('FLASH');
    const bdi = row.querySelector('.row-title bdi')!;
    expect(bdi.getAttribute('dir')).toBe('auto');
    expect(bdi.textContent).toBe('قوارب تغادر Zuwara الآن');
    expect(row.querySelector('.row-sender')!.textContent).toBe('from LY');
    expect(row.querySelector('.row-summary')!.textContent).toBe('LY → Dirkou\u202E → IT (120 people)');
    // every stop of the route is its own isolate, so the override in one cannot reach the next
    expect([...row.querySelectorAll('.row-summary bdi')].map((b) => b.textContent)).toEqual([
      'LY',
      'Dirkou\u202E',
      'IT',
      '120',
    ]);
  });

  it('speaks French, Italian and Arabic, and Arabic sets the page right to left', async () => {
    const texts: Record<string, string> = {};
    for (const lang of ['fr', 'it', 'ar'] as const) {
      await setLanguage(lang);
      const host = mount(<FeedRow rowKey="k" item={route()} selected={false} isNew={false} me={null} />);
      texts[lang] = host.querySelector('.row-sender')!.textContent ?? '';
      expect(document.documentElement.lang).toBe(lang);
      expect(document.documentElement.dir).toBe(lang === 'ar' ? 'rtl' : 'ltr');
      host.remove();
    }
    expect(texts).toEqual({ fr: 'de LY', it: 'da LY', ar: 'من LY' });
  });

  it('shows a withdrawn alert without its content, and an acknowledgement by this officer', () => {
    const gone = mount(
      <FeedRow
        rowKey="k"
        item={route({ state: 'WITHDRAWN', event: 'WITHDRAWN', title: null })}
        selected={false}
        isNew={false}
        me={null}
      />,
    );
    expect(gone.querySelector('.row-title')!.textContent).toBe('Route alert');
    expect(gone.querySelector('.row-summary')).toBeNull();
    const acked = mount(
      <FeedRow
        rowKey="k2"
        item={route({ acknowledgedBy: 'IT/me', acknowledgedAt: '2026-12-01T10:01:00Z' })}
        selected={false}
        isNew={false}
        me="IT/me"
      />,
    );
    expect(acked.querySelector('.flag-ack')!.textContent).toMatch(/^acknowledged by you at /);
  });

  it('shows a reply as its sender asserts the officer', () => {
    const host = mount(
      <FeedRow
        rowKey="reply:9"
        item={route({
          event: 'REPLY',
          seq: 9,
          title: null,
          reply: { body: 'Which boats left?', officerId: 'officer.tripoli' },
        })}
        selected={false}
        isNew={false}
        me={null}
      />,
    );
    expect(host.querySelector('.row-title')!.textContent).toBe(
      'Reply by LY: officer officer.tripoli: Which boats left?',
    );
  });
});

const noop = () => undefined;

// The acknowledgement row in its two places: each addressed as the page and the browser tests expect (the detail
// pane's by id and a focusable status, the picture's with a live status), the same states and words in both.
describe('acknowledgement row', () => {
  beforeAll(async () => {
    await initI18n('en');
  });
  afterEach(() => {
    document.body.replaceChildren();
  });

  it('in the detail pane: ids, a focusable status, no live region', () => {
    const host = mount(
      <AckRow place="detail" item={route()} me="IT/me" acking={false} error={null} onAcknowledge={noop} />,
    );
    const row = host.firstElementChild as HTMLElement;
    expect(row.className).toBe('ack-row');
    expect(row.dataset.testid).toBeUndefined();
    const button = host.querySelector<HTMLButtonElement>('[data-testid=ack-button]')!;
    expect(button.id).toBe('ack-button');
    const status = host.querySelector<HTMLElement>('[data-testid=ack-status]')!;
    expect(status.id).toBe('ack-status');
    expect(status.getAttribute('tabindex')).toBe('-1');
    expect(status.getAttribute('role')).toBeNull();
  });

  it('on the picture: its own test ids, no ids, a live status', () => {
    const host = mount(
      <AckRow place="picture" item={route()} me="IT/me" acking={false} error={null} onAcknowledge={noop} />,
    );
    const row = host.querySelector<HTMLElement>('[data-testid=picture-ack]')!;
    expect(row.className).toBe('ack-row picture-ack');
    const button = row.querySelector<HTMLButtonElement>('[data-testid=picture-ack-button]')!;
    expect(button.id).toBe('');
    const status = row.querySelector<HTMLElement>('[data-testid=picture-ack-status]')!;
    expect(status.id).toBe('');
    expect(status.getAttribute('tabindex')).toBeNull();
    expect(status.getAttribute('role')).toBe('status');
  });

  it('offers the button while open, disables it while acknowledging, says why it failed', () => {
    let clicks = 0;
    const host = mount(
      <AckRow
        place="detail"
        item={route()}
        me="IT/me"
        acking={false}
        error={null}
        onAcknowledge={() => clicks++}
      />,
    );
    const button = host.querySelector<HTMLButtonElement>('[data-testid=ack-button]')!;
    const status = host.querySelector<HTMLElement>('[data-testid=ack-status]')!;
    expect(button.disabled).toBe(false);
    expect(status.dataset.state).toBe('open');
    expect(status.textContent).toBe('Status: not yet acknowledged');
    button.click();
    expect(clicks).toBe(1);

    render(
      <AckRow place="detail" item={route()} me="IT/me" acking error={null} onAcknowledge={noop} />,
      host,
    );
    expect(host.querySelector<HTMLButtonElement>('[data-testid=ack-button]')!.disabled).toBe(true);
    expect(host.querySelector<HTMLElement>('[data-testid=ack-status]')!.textContent).toBe(
      'Status: acknowledging…',
    );

    render(
      <AckRow
        place="detail"
        item={route()}
        me="IT/me"
        acking={false}
        error={{ key: 'errors.timeout' }}
        onAcknowledge={noop}
      />,
      host,
    );
    const failed = host.querySelector<HTMLElement>('[data-testid=ack-status]')!;
    expect(failed.dataset.state).toBe('error');
    expect(failed.textContent).toBe('Status: not acknowledged — the gateway did not answer in time');
  });

  it('once acknowledged: no button, and who acknowledged it, in either place', () => {
    for (const place of ['detail', 'picture'] as const) {
      const host = mount(
        <AckRow
          place={place}
          item={route({ acknowledgedBy: 'IT/other', acknowledgedAt: '2026-12-01T10:05:00Z' })}
          me="IT/me"
          acking={false}
          error={null}
          onAcknowledge={noop}
        />,
      );
      expect(host.querySelector('button')).toBeNull();
      const status = host.querySelector<HTMLElement>('.ack-status')!;
      expect(status.dataset.state).toBe('acknowledged');
      expect(status.textContent).toMatch(/^Status: acknowledged by IT\/other at /);
      host.remove();
    }
  });
});

describe('codes in the reader language', () => {
  it('names a known code in each language and keeps an unknown one as the partner wrote it', async () => {
    await initI18n('fr');
    const doc = route({
      category: 'DOCUMENT',
      summary: { documentType: 'PASSPORT', fraudType: 'FORGED', issuingState: 'NER' },
    });
    const host = mount(<div>{summaryParts(doc)}</div>);
    expect(host.textContent).toBe('passeport · NER · falsifié');
    const free = route({ category: 'DOCUMENT', summary: { fraudType: 'altered photo page' } });
    expect(mount(<div>{summaryParts(free)}</div>).textContent).toBe('altered photo page');
    await setLanguage('en');
  });
});

// The document check form rendered into happy-dom with the real catalogue: a register match shows its source (the
// partner's register), status, date and series; an alert match its feed entry.
import type { DocumentCheckResult } from '@corridor/gateway-api';
import { render } from 'preact';
import { beforeAll, describe, expect, it } from 'vitest';
import { initI18n } from '../shared/i18n';
import { DocumentCheck } from './DocumentCheck';
import { SessionContext } from './hooks';
import type { DeskSession } from './session';

const answer: DocumentCheckResult = {
  hit: true,
  matches: [
    {
      source: 'REGISTER',
      sender: 'LY',
      status: 'STOLEN_BLANK',
      fraudType: 'STOLEN_BLANK',
      documentType: 'PASSPORT',
      issuingState: 'UTO',
      date: '2026-12-01T10:00:00Z',
      registerId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      registerName: 'Stolen blanks',
      recordId: 'blanks',
      series: { first: 'P0001000', last: 'P0001999' },
    },
    {
      source: 'ALERT',
      sender: 'NE',
      status: 'FORGED',
      fraudType: 'FORGED',
      documentType: 'PASSPORT',
      issuingState: 'NER',
      date: '2026-12-01T09:00:00Z',
      seq: 7,
      alertId: 'a7',
    },
  ],
};

describe('document check', () => {
  beforeAll(async () => {
    await initI18n('en');
  });

  it('lists register and alert matches with source, status and date', async () => {
    const asked: unknown[] = [];
    const session = {
      request: (event: string, payload: unknown) => {
        asked.push([event, payload]);
        return Promise.resolve({ ok: true, value: answer });
      },
      onAnnounce: () => undefined,
      subscribe: () => () => undefined,
      feed: { keyOfSeq: () => undefined },
    } as unknown as DeskSession;
    const host = document.createElement('div');
    document.body.appendChild(host);
    render(
      <SessionContext.Provider value={session}>
        <DocumentCheck onOpen={() => undefined} />
      </SessionContext.Provider>,
      host,
    );
    const input = host.querySelector<HTMLInputElement>('#doc-number')!;
    input.value = 'p0001500';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((r) => setTimeout(r, 20)); // the state update renders before the submit reads it
    host.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    await new Promise((r) => setTimeout(r, 20));
    expect(asked).toEqual([['documentCheck', { number: 'P0001500' }]]);
    const result = host.querySelector('#doc-result')!;
    expect(result.getAttribute('data-result')).toBe('HIT');
    const register = result.querySelector('li[data-source="REGISTER"]')!;
    expect(register.textContent).toContain('Stolen blanks');
    expect(register.textContent).toContain('of LY');
    expect(register.textContent).toContain('P0001000–P0001999');
    expect(register.textContent).toMatch(/2026/);
    const alert = result.querySelector('li[data-source="ALERT"]')!;
    expect(alert.getAttribute('data-seq')).toBe('7');
    expect(alert.textContent).toContain('from NE');
  });
});

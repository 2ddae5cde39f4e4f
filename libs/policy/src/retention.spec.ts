import { create, DocumentAlertSchema, FinancialFlowAlertSchema, type Alert } from '@corridor/contracts';
import { containsPersonalData, MS_PER_DAY, retentionDeadline } from './retention';
import { alertFixture } from './policy.fixtures';

describe('retentionDeadline', () => {
  const receivedAtMs = Date.UTC(2025, 5, 1);

  test.each([
    [30, receivedAtMs + 30 * MS_PER_DAY],
    [1, receivedAtMs + MS_PER_DAY],
    [0, receivedAtMs],
  ])('%d days → receivedAt + %d ms', (retentionDays, deadline) => {
    expect(retentionDeadline({ receivedAtMs, terms: { retentionDays } })).toBe(deadline);
  });

  it('counts days of 86 400 000 ms', () => {
    expect(retentionDeadline({ receivedAtMs: 0, terms: { retentionDays: 365 } })).toBe(31_536_000_000);
  });
});

describe('containsPersonalData', () => {
  const withDocument = (fields: { number?: string; mrz?: string[] }): Alert => {
    const alert = alertFixture('document');
    alert.payload = {
      case: 'document',
      value: create(DocumentAlertSchema, { documentType: 'PASSPORT', fraudType: 'FORGED', ...fields }),
    };
    return alert;
  };
  const withReference = (reference: string): Alert => {
    const alert = alertFixture('financialFlow');
    alert.payload = {
      case: 'financialFlow',
      value: create(FinancialFlowAlertSchema, { method: 'HAWALA', amountMinor: 1000n, reference }),
    };
    return alert;
  };
  const withoutPayload = (): Alert => {
    const alert = alertFixture('route');
    alert.payload = { case: undefined };
    return alert;
  };

  test.each<[string, () => Alert, boolean]>([
    ['suspect', () => alertFixture('suspect'), true],
    ['protection referral', () => alertFixture('protectionReferral'), true],
    ['document with number and MRZ', () => alertFixture('document'), true],
    ['document with a number only', () => withDocument({ number: 'X1' }), true],
    ['document with an MRZ only', () => withDocument({ mrz: ['P<UTO', 'L898'] }), true],
    ['document pattern without number or MRZ', () => withDocument({}), false],
    ['document with blank MRZ lines', () => withDocument({ mrz: ['', ''] }), false],
    ['financial flow with a reference', () => withReference('REF-1'), true],
    ['financial flow without a reference', () => withReference(''), false],
    ['route', () => alertFixture('route'), false],
    ['bulletin', () => alertFixture('bulletin'), false],
    ['no payload (unknown content)', withoutPayload, true],
  ])('%s → %s', (_name, build, expected) => {
    expect(containsPersonalData(build())).toBe(expected);
  });
});

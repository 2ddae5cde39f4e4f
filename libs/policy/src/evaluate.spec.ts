import {
  AgreementState,
  AlertSchema,
  Category,
  Classification,
  clone,
  create,
  DirectionTermsSchema,
  equals,
  fromBinary,
  HandlingCode,
  SuspectAlertSchema,
  toBinary,
  type Alert,
} from '@corridor/contracts';
import { PolicyError, POLICY_REASONS, type PolicyReason } from './errors';
import {
  evaluateMessage,
  evaluateReceive,
  evaluateSend,
  requireReceive,
  requireSend,
  type SendCheck,
} from './evaluate';
import { redactAlert } from './fields';
import { agreementFixture, alertFixture, NOW, VALID_FROM, VALID_UNTIL } from './policy.fixtures';

function sendCheck(overrides: Partial<SendCheck> = {}): SendCheck {
  return {
    alert: alertFixture('route'),
    from: 'LY',
    to: 'IT',
    agreement: agreementFixture(),
    now: NOW,
    ...overrides,
  };
}

function alertWith(fields: Partial<Alert>, payloadCase: Parameters<typeof alertFixture>[0] = 'route'): Alert {
  return Object.assign(alertFixture(payloadCase), fields);
}

interface Row {
  name: string;
  check: () => SendCheck;
  expected: PolicyReason | 'ALLOWED';
}

// One row per rule, plus its edges; every row is run on send and on receive.
const rows: Row[] = [
  { name: 'route alert within the grant', check: () => sendCheck(), expected: 'ALLOWED' },
  {
    name: 'at the first instant of the validity window',
    check: () => sendCheck({ now: VALID_FROM }),
    expected: 'ALLOWED',
  },
  {
    name: 'classification equal to the grant',
    check: () => sendCheck({ alert: alertWith({ classification: Classification.AMBER }) }),
    expected: 'ALLOWED',
  },
  {
    name: 'handling equal to the grant',
    check: () => sendCheck({ alert: alertWith({ handling: HandlingCode.H1 }) }),
    expected: 'ALLOWED',
  },
  { name: 'no agreement', check: () => sendCheck({ agreement: undefined }), expected: 'NO_AGREEMENT' },
  ...[
    AgreementState.UNSPECIFIED,
    AgreementState.PROPOSED,
    AgreementState.SIGNED,
    AgreementState.SUSPENDED,
    AgreementState.TERMINATED,
  ].map((state): Row => ({
    name: `agreement in state ${AgreementState[state]}`,
    check: () => sendCheck({ agreement: agreementFixture(state) }),
    expected: 'AGREEMENT_NOT_ACTIVE',
  })),
  {
    name: 'before the validity window',
    check: () => sendCheck({ now: VALID_FROM - 1 }),
    expected: 'AGREEMENT_NOT_IN_FORCE',
  },
  {
    name: 'at the end of the validity window',
    check: () => sendCheck({ now: VALID_UNTIL }),
    expected: 'AGREEMENT_NOT_IN_FORCE',
  },
  { name: 'clock is NaN', check: () => sendCheck({ now: Number.NaN }), expected: 'AGREEMENT_NOT_IN_FORCE' },
  {
    name: 'agreement without an end date',
    check: () => sendCheck({ agreement: { ...agreementFixture(), validUntilMs: 0 } }),
    expected: 'AGREEMENT_NOT_IN_FORCE',
  },
  {
    name: 'direction not in the agreement (IT→IT)',
    check: () => sendCheck({ from: 'IT', to: 'IT' }),
    expected: 'NO_DIRECTION',
  },
  { name: 'country not a party', check: () => sendCheck({ from: 'LY', to: 'MT' }), expected: 'NO_DIRECTION' },
  {
    name: 'direction listed twice (ambiguous)',
    check: () => {
      const agreement = agreementFixture();
      return sendCheck({
        agreement: { ...agreement, directions: [...agreement.directions, agreement.directions[0]] },
      });
    },
    expected: 'NO_DIRECTION',
  },
  {
    name: 'direction whose countries are not the parties',
    check: () => {
      const agreement = agreementFixture();
      return sendCheck({
        agreement: {
          ...agreement,
          directions: [
            ...agreement.directions,
            create(DirectionTermsSchema, {
              from: 'LY',
              to: 'MT',
              categories: [Category.ROUTE],
              maxClassification: Classification.RED,
              maxHandling: HandlingCode.H3,
            }),
          ],
        },
        to: 'MT',
      });
    },
    expected: 'NO_DIRECTION',
  },
  {
    name: 'category not granted (SUSPECT LY→IT)',
    check: () => sendCheck({ alert: alertFixture('suspect') }),
    expected: 'CATEGORY_NOT_GRANTED',
  },
  {
    name: 'classification above the grant (AMBER+STRICT)',
    check: () => sendCheck({ alert: alertWith({ classification: Classification.AMBER_STRICT }) }),
    expected: 'CLASSIFICATION_ABOVE_GRANT',
  },
  {
    name: 'classification above the grant (RED)',
    check: () => sendCheck({ alert: alertWith({ classification: Classification.RED }) }),
    expected: 'CLASSIFICATION_ABOVE_GRANT',
  },
  {
    name: 'direction granting no classification',
    check: () => {
      const agreement = agreementFixture();
      agreement.directions[0] = clone(DirectionTermsSchema, agreement.directions[0]);
      agreement.directions[0].maxClassification = Classification.UNSPECIFIED;
      return sendCheck({ agreement, alert: alertWith({ classification: Classification.CLEAR }) });
    },
    expected: 'CLASSIFICATION_ABOVE_GRANT',
  },
  {
    name: 'handling above the grant (H2)',
    check: () => sendCheck({ alert: alertWith({ handling: HandlingCode.H2 }) }),
    expected: 'HANDLING_ABOVE_GRANT',
  },
  {
    name: 'category UNSPECIFIED',
    check: () => sendCheck({ alert: alertWith({ category: Category.UNSPECIFIED }) }),
    expected: 'INVALID_ALERT',
  },
  {
    name: 'category unknown to this build',
    check: () => sendCheck({ alert: alertWith({ category: 42 as Category }) }),
    expected: 'INVALID_ALERT',
  },
  {
    name: 'classification UNSPECIFIED',
    check: () => sendCheck({ alert: alertWith({ classification: Classification.UNSPECIFIED }) }),
    expected: 'INVALID_ALERT',
  },
  {
    name: 'classification unknown (negative)',
    check: () => sendCheck({ alert: alertWith({ classification: -1 as Classification }) }),
    expected: 'INVALID_ALERT',
  },
  {
    name: 'handling UNSPECIFIED',
    check: () => sendCheck({ alert: alertWith({ handling: HandlingCode.UNSPECIFIED }) }),
    expected: 'INVALID_ALERT',
  },
  {
    name: 'PROTECTION_REFERRAL category carrying a suspect payload',
    check: () => sendCheck({ alert: alertWith({ category: Category.PROTECTION_REFERRAL }, 'suspect') }),
    expected: 'CATEGORY_PAYLOAD_MISMATCH',
  },
  {
    name: 'protection referral payload labelled ROUTE',
    check: () => sendCheck({ alert: alertWith({ category: Category.ROUTE }, 'protectionReferral') }),
    expected: 'CATEGORY_PAYLOAD_MISMATCH',
  },
  {
    name: 'protection referral payload labelled SUSPECT (IT→LY grants SUSPECT)',
    check: () =>
      sendCheck({
        from: 'IT',
        to: 'LY',
        alert: alertWith({ category: Category.SUSPECT }, 'protectionReferral'),
      }),
    expected: 'CATEGORY_PAYLOAD_MISMATCH',
  },
  {
    name: 'category without payload',
    check: () => sendCheck({ alert: alertWith({ payload: { case: undefined } }) }),
    expected: 'CATEGORY_PAYLOAD_MISMATCH',
  },
];

describe('evaluateSend', () => {
  test.each(rows)('$name → $expected', ({ check, expected }) => {
    const decision = evaluateSend(check());
    expect(decision.allowed ? 'ALLOWED' : decision.reason).toBe(expected);
  });

  it('has a row for every reason a send can be refused for', () => {
    const covered = new Set(rows.map((row) => row.expected));
    const sendReasons = POLICY_REASONS.filter((reason) => reason !== 'EXCLUDED_FIELD_PRESENT');
    expect(sendReasons.filter((reason) => !covered.has(reason))).toEqual([]);
  });

  it('names the rule in human words, without content', () => {
    const decision = evaluateSend(sendCheck({ alert: alertFixture('suspect') }));
    expect(decision).toEqual({
      allowed: false,
      reason: 'CATEGORY_NOT_GRANTED',
      rule: 'agreement AG-1 LY→IT does not grant category SUSPECT',
      // The same rule as a key and its values, for a reader in another language.
      ruleKey: 'categoryNotGranted',
      ruleValues: { agreement: 'AG-1', from: 'LY', to: 'IT', category: 'SUSPECT' },
    });
    const above = evaluateSend(
      sendCheck({ alert: alertWith({ classification: Classification.AMBER_STRICT }) }),
    );
    expect(above.allowed ? '' : above.rule).toBe(
      'agreement AG-1 LY→IT grants classification up to TLP:AMBER, alert is TLP:AMBER+STRICT',
    );
    expect(above.allowed ? {} : { key: above.ruleKey, values: above.ruleValues }).toEqual({
      key: 'classificationAboveGrant',
      values: { agreement: 'AG-1', from: 'LY', to: 'IT', max: 'AMBER', classification: 'AMBER+STRICT' },
    });
    const mismatch = evaluateSend(
      sendCheck({ alert: alertWith({ category: Category.ROUTE }, 'protectionReferral') }),
    );
    expect(mismatch.allowed ? '' : mismatch.rule).toMatch(
      /^a protection referral must never travel as another kind/,
    );
  });

  it('reports the first failing rule when several fail', () => {
    const decision = evaluateSend(
      sendCheck({
        agreement: agreementFixture(AgreementState.SUSPENDED),
        now: VALID_UNTIL + 1,
        alert: alertWith(
          { category: Category.SUSPECT, classification: Classification.RED },
          'protectionReferral',
        ),
      }),
    );
    expect(decision.allowed ? 'ALLOWED' : decision.reason).toBe('AGREEMENT_NOT_ACTIVE');
    const grant = evaluateSend(
      sendCheck({
        alert: alertWith(
          { category: Category.SUSPECT, classification: Classification.RED },
          'protectionReferral',
        ),
      }),
    );
    expect(grant.allowed ? 'ALLOWED' : grant.reason).toBe('CATEGORY_NOT_GRANTED');
  });

  it('returns the direction terms that allowed the alert', () => {
    const decision = evaluateSend(sendCheck());
    expect(decision.allowed && decision.terms.from + decision.terms.to).toBe('LYIT');
  });
});

describe('evaluateSend redaction', () => {
  const itToLy = (alert: Alert): SendCheck => sendCheck({ from: 'IT', to: 'LY', alert });

  it('removes exactly the excluded fields and leaves the input untouched', () => {
    const input = alertFixture('suspect');
    const before = clone(AlertSchema, input);
    const decision = requireSend(itToLy(input));

    expect(equals(AlertSchema, input, before)).toBe(true);
    expect(decision.redactedFields.sort()).toEqual([
      'suspect.given_names',
      'suspect.phones',
      'suspect.photo',
      'title',
    ]);
    const out = decision.alert;
    expect(out.payload.case).toBe('suspect');
    const suspect = out.payload.case === 'suspect' ? out.payload.value : create(SuspectAlertSchema);
    expect(suspect.phones).toEqual([]);
    expect(suspect.givenNames).toEqual([]);
    expect(suspect.photo).toHaveLength(0);
    expect(out.title).toBe('');

    // Everything else is as sent: restore the removed fields and the two alerts are equal.
    const restored = clone(AlertSchema, out);
    restored.title = input.title;
    if (restored.payload.case === 'suspect' && input.payload.case === 'suspect') {
      restored.payload.value.phones = [...input.payload.value.phones];
      restored.payload.value.givenNames = [...input.payload.value.givenNames];
      restored.payload.value.photo = input.payload.value.photo;
    }
    expect(equals(AlertSchema, restored, input)).toBe(true);
  });

  it('returns a copy that shares nothing with the input', () => {
    const input = alertFixture('suspect');
    const out = requireSend(itToLy(input)).alert;
    expect(out).not.toBe(input);
    if (out.payload.case === 'suspect' && input.payload.case === 'suspect') {
      expect(out.payload.value).not.toBe(input.payload.value);
      out.payload.value.aliases.push('CHANGED');
      out.payload.value.notes = 'changed';
      expect(input.payload.value.aliases).toEqual(['THE CAPTAIN']);
      expect(input.payload.value.notes).toBe('recruits in Agadez');
    }
  });

  it('accepts snake_case and lowerCamelCase paths alike', () => {
    const input = alertFixture('financialFlow');
    for (const path of ['financial_flow.reference', 'financialFlow.reference']) {
      const agreement = agreementFixture();
      agreement.directions[0] = clone(DirectionTermsSchema, agreement.directions[0]);
      agreement.directions[0].excludedFields = [path];
      const decision = requireSend(sendCheck({ agreement, alert: input }));
      expect(decision.redactedFields).toEqual(['financial_flow.reference']);
      expect(decision.alert.payload.case === 'financialFlow' && decision.alert.payload.value.reference).toBe(
        '',
      );
      expect(decision.alert.payload.case === 'financialFlow' && decision.alert.payload.value.method).toBe(
        'HAWALA',
      );
    }
  });

  it('ignores unknown paths and paths of other payloads, and does not report empty fields', () => {
    const input = alertFixture('route');
    if (input.payload.case === 'route') {
      input.payload.value.modusOperandi = '';
    }
    const decision = requireSend(sendCheck({ alert: input }));
    expect(decision.redactedFields).toEqual([]);
    expect(toBinary(AlertSchema, decision.alert)).toEqual(toBinary(AlertSchema, input));
  });

  it('drops unknown fields it cannot inspect', () => {
    const input = alertFixture('route');
    const withUnknown = fromBinary(
      AlertSchema,
      new Uint8Array([...toBinary(AlertSchema, input), 0xf8, 0x06, 0x01]),
    );
    expect(withUnknown.$unknown?.length).toBe(1);
    const out = requireSend(sendCheck({ alert: withUnknown })).alert;
    expect(out.$unknown ?? []).toEqual([]);
  });

  it('minimises a protection referral on its way out', () => {
    const out = requireSend(sendCheck({ alert: alertFixture('protectionReferral') })).alert;
    expect(out.payload.case === 'protectionReferral' && out.payload.value.lastKnownPosition?.lat).toBe(34.12);
    expect(out.payload.case === 'protectionReferral' && out.payload.value.notes.length).toBe(500);
  });
});

describe('requireSend', () => {
  it('throws a PolicyError carrying the reason and the rule, not retriable', () => {
    expect.assertions(5);
    try {
      requireSend(sendCheck({ alert: alertFixture('suspect') }));
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyError);
      const policyError = error as PolicyError;
      expect(policyError.code).toBe('CATEGORY_NOT_GRANTED');
      expect(policyError.rule).toBe('agreement AG-1 LY→IT does not grant category SUSPECT');
      expect(policyError.retriable).toBe(false);
      expect(policyError.message).toContain('CATEGORY_NOT_GRANTED');
    }
  });

  it('returns the allowed decision', () => {
    expect(requireSend(sendCheck()).allowed).toBe(true);
  });
});

describe('evaluateReceive', () => {
  test.each(rows)('$name → $expected', ({ check, expected }) => {
    // What arrives has already lost the excluded fields: redact with every direction's exclusions.
    const sent = check();
    const excludedFields = agreementFixture().directions.flatMap((d) => d.excludedFields);
    const arrived = redactAlert({ alert: sent.alert, excludedFields });
    const decision = evaluateReceive({
      ...sent,
      alert: arrived.alert,
      redactedFields: arrived.redactedFields,
    });
    expect(decision.allowed ? 'ALLOWED' : decision.reason).toBe(expected);
  });

  it('accepts what the sender let through, after a trip over the wire', () => {
    const sent = requireSend(sendCheck({ from: 'IT', to: 'LY', alert: alertFixture('suspect') }));
    const arrived = fromBinary(AlertSchema, toBinary(AlertSchema, sent.alert));
    const decision = requireReceive({
      ...sendCheck({ from: 'IT', to: 'LY', alert: arrived }),
      redactedFields: [...sent.redactedFields, 'suspect.givenNames', 'not.a.field'],
    });
    expect(decision.redactedFields.sort()).toEqual([
      'suspect.given_names',
      'suspect.phones',
      'suspect.photo',
      'title',
    ]);
    expect(equals(AlertSchema, decision.alert, arrived)).toBe(true);
  });

  it('refuses an alert in which an excluded field arrived filled', () => {
    const decision = evaluateReceive({
      ...sendCheck({ from: 'IT', to: 'LY', alert: alertFixture('suspect') }),
      redactedFields: [],
    });
    expect(decision.allowed ? 'ALLOWED' : decision.reason).toBe('EXCLUDED_FIELD_PRESENT');
    expect(decision.allowed ? '' : decision.rule).toBe(
      'agreement AG-1 IT→LY excludes suspect.phones, suspect.photo, suspect.given_names, title, which arrived filled',
    );
  });

  it('refuses when a single excluded field is left filled', () => {
    const sent = requireSend(sendCheck({ from: 'IT', to: 'LY', alert: alertFixture('suspect') }));
    const tampered = clone(AlertSchema, sent.alert);
    if (tampered.payload.case === 'suspect') {
      tampered.payload.value.photo = new Uint8Array([9]);
    }
    const decision = evaluateReceive({
      ...sendCheck({ from: 'IT', to: 'LY', alert: tampered }),
      redactedFields: sent.redactedFields,
    });
    expect(decision.allowed ? '' : decision.rule).toContain('excludes suspect.photo,');
    expect(() =>
      requireReceive({ ...sendCheck({ from: 'IT', to: 'LY', alert: tampered }), redactedFields: [] }),
    ).toThrow(PolicyError);
  });

  it('does not modify what arrived', () => {
    const arrived = alertFixture('protectionReferral');
    const before = clone(AlertSchema, arrived);
    const decision = requireReceive({ ...sendCheck({ alert: arrived }), redactedFields: [] });
    expect(equals(AlertSchema, arrived, before)).toBe(true);
    expect(
      decision.alert.payload.case === 'protectionReferral' && decision.alert.payload.value.notes.length,
    ).toBe(500);
  });
});

describe('evaluateMessage: replies, acknowledgements and withdrawals under the same rules as alerts', () => {
  const check = (
    labels: Partial<Parameters<typeof evaluateMessage>[0]['labels']>,
    over: Partial<Parameters<typeof evaluateMessage>[0]> = {},
  ) =>
    evaluateMessage({
      from: 'LY',
      to: 'IT',
      agreement: agreementFixture(),
      now: NOW,
      labels: { category: Category.ROUTE, classification: Classification.GREEN, ...labels },
      ...over,
    });

  it('allows labels within the grant, with or without a handling code', () => {
    expect(check({}).allowed).toBe(true);
    expect(check({ handling: HandlingCode.H1 }).allowed).toBe(true);
  });

  it.each<
    [
      string,
      Partial<Parameters<typeof evaluateMessage>[0]['labels']>,
      Partial<Parameters<typeof evaluateMessage>[0]>,
      PolicyReason,
    ]
  >([
    ['a category the direction does not grant', { category: Category.SUSPECT }, {}, 'CATEGORY_NOT_GRANTED'],
    [
      'a classification above the grant',
      { classification: Classification.RED },
      {},
      'CLASSIFICATION_ABOVE_GRANT',
    ],
    ['a handling code above the grant', { handling: HandlingCode.H3 }, {}, 'HANDLING_ABOVE_GRANT'],
    ['no category at all', { category: Category.UNSPECIFIED }, {}, 'INVALID_ALERT'],
    ['an unknown classification', { classification: 42 as Classification }, {}, 'INVALID_ALERT'],
    ['no agreement', {}, { agreement: undefined }, 'NO_AGREEMENT'],
    [
      'a suspended agreement',
      {},
      { agreement: agreementFixture(AgreementState.SUSPENDED) },
      'AGREEMENT_NOT_ACTIVE',
    ],
    ['a time outside the validity window', {}, { now: VALID_UNTIL }, 'AGREEMENT_NOT_IN_FORCE'],
    ['a direction the agreement does not have', {}, { from: 'NE' }, 'NO_DIRECTION'],
  ])('refuses %s', (_name, labels, over, reason) => {
    const d = check(labels, over);
    expect(d.allowed ? 'ALLOWED' : d.reason).toBe(reason);
  });
});

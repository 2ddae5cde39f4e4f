// Shared builders for the policy specs: one agreement LY↔IT and one fully filled alert per payload.
import {
  AgreementState,
  AgreementTermsSchema,
  AlertSchema,
  BulletinSchema,
  Category,
  Classification,
  create,
  DirectionTermsSchema,
  DocumentAlertSchema,
  FinancialFlowAlertSchema,
  GeoPointSchema,
  HandlingCode,
  OnwardSharing,
  Priority,
  ProtectionReferralSchema,
  RouteAlertSchema,
  SuspectAlertSchema,
  WaypointSchema,
  type Alert,
  type AgreementTerms,
} from '@corridor/contracts';
import { agreementFromTerms, type ActiveAgreement } from './agreement';

export const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
export const VALID_FROM = Date.UTC(2025, 0, 1);
export const VALID_UNTIL = Date.UTC(2026, 0, 1);

export function termsFixture(): AgreementTerms {
  return create(AgreementTermsSchema, {
    id: 'AG-1',
    version: 1,
    parties: ['IT', 'LY'],
    validFromMs: BigInt(VALID_FROM),
    validUntilMs: BigInt(VALID_UNTIL),
    purpose: 'countering migrant smuggling on the Central Mediterranean route',
    directions: [
      create(DirectionTermsSchema, {
        from: 'LY',
        to: 'IT',
        categories: [
          Category.ROUTE,
          Category.DOCUMENT,
          Category.FINANCIAL_FLOW,
          Category.PROTECTION_REFERRAL,
          Category.BULLETIN,
        ],
        maxClassification: Classification.AMBER,
        maxHandling: HandlingCode.H1,
        excludedFields: ['financial_flow.reference', 'document.mrz', 'route.modusOperandi'],
        retentionDays: 30,
        onwardSharing: OnwardSharing.FORBIDDEN,
        purpose: 'prevention',
      }),
      create(DirectionTermsSchema, {
        from: 'IT',
        to: 'LY',
        categories: [Category.ROUTE, Category.SUSPECT, Category.BULLETIN, Category.PROTECTION_REFERRAL],
        maxClassification: Classification.RED,
        maxHandling: HandlingCode.H3,
        excludedFields: ['suspect.phones', 'suspect.photo', 'suspect.given_names', 'title', 'no_such.field'],
        retentionDays: 0,
        onwardSharing: OnwardSharing.WITH_ORIGINATOR_CONSENT,
        purpose: 'investigation',
      }),
    ],
  });
}

export function agreementFixture(state: AgreementState = AgreementState.ACTIVE): ActiveAgreement {
  return agreementFromTerms(termsFixture(), state);
}

const payloads = {
  route: () =>
    create(RouteAlertSchema, {
      originCountry: 'NE',
      transit: [
        create(WaypointSchema, {
          place: 'Sabha',
          country: 'LY',
          point: create(GeoPointSchema, { lat: 27.04, lon: 14.43 }),
        }),
      ],
      destinationCountry: 'IT',
      transportMode: 'SEA',
      modusOperandi: 'rubber boats launched at night',
      pricePerPersonUsd: 3000,
      estimatedPeople: 40,
      risksToLife: ['overcrowding'],
      origin: create(WaypointSchema, { place: 'Zuwara', country: 'LY' }),
      destination: create(WaypointSchema, { place: 'Lampedusa', country: 'IT' }),
    }),
  document: () =>
    create(DocumentAlertSchema, {
      documentType: 'PASSPORT',
      issuingState: 'UTO',
      number: 'L898902C3',
      mrz: ['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<', 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'],
      fraudType: 'COUNTERFEIT',
      notes: 'laminate lifted',
    }),
  suspect: () =>
    create(SuspectAlertSchema, {
      familyName: 'DOE',
      givenNames: ['JOHN'],
      aliases: ['THE CAPTAIN'],
      birthDate: '1980',
      nationalities: ['XX'],
      role: 'ORGANISER',
      phones: ['+000111222'],
      photo: new Uint8Array([1, 2, 3]),
      notes: 'recruits in Agadez',
    }),
  financialFlow: () =>
    create(FinancialFlowAlertSchema, {
      method: 'HAWALA',
      fromCountry: 'IT',
      toCountry: 'LY',
      amountMinor: 500000n,
      currency: 'EUR',
      reference: 'REF-42',
      notes: 'weekly',
    }),
  protectionReferral: () =>
    create(ProtectionReferralSchema, {
      need: 'DISTRESS_AT_SEA',
      peopleCount: 47,
      lastKnownPosition: create(GeoPointSchema, { lat: 34.123456, lon: 12.987654 }),
      lastKnownPlace: 'south of Lampedusa',
      observedAtMs: BigInt(NOW - 60_000),
      contactChannel: 'MRCC Rome',
      notes: 'x'.repeat(700),
    }),
  bulletin: () =>
    create(BulletinSchema, { title: 'Q2 trends', summary: 's', body: 'b', region: 'Central Med' }),
} as const;

export type PayloadCase = keyof typeof payloads;

export const CATEGORY_OF_PAYLOAD: Record<PayloadCase, Category> = {
  route: Category.ROUTE,
  document: Category.DOCUMENT,
  suspect: Category.SUSPECT,
  financialFlow: Category.FINANCIAL_FLOW,
  protectionReferral: Category.PROTECTION_REFERRAL,
  bulletin: Category.BULLETIN,
};

/** A fully filled, valid alert with the given payload. */
export function alertFixture(payloadCase: PayloadCase = 'route'): Alert {
  const alert = create(AlertSchema, {
    id: '01890000-0000-7000-8000-000000000001',
    threadId: '01890000-0000-7000-8000-000000000001',
    category: CATEGORY_OF_PAYLOAD[payloadCase],
    priority: Priority.URGENT,
    classification: Classification.GREEN,
    handling: HandlingCode.H0,
    originatorCountry: 'LY',
    originatorAgency: 'LY-COASTGUARD',
    createdAtMs: BigInt(NOW - 1000),
    title: 'boat departure expected',
  });
  alert.payload = { case: payloadCase, value: payloads[payloadCase]() } as Alert['payload'];
  return alert;
}

// The demo's three countries along the Central Mediterranean route and their agreements (issue 8).
import { AgreementSpec } from './network';

export const DEMO_COUNTRIES = ['NE', 'LY', 'IT'];

export const DEMO_AGREEMENTS: AgreementSpec[] = [
  {
    parties: ['NE', 'LY'],
    purpose: 'Countering migrant smuggling across the Sahara: routes, fraudulent documents, trend bulletins',
    directions: [
      {
        from: 'NE',
        to: 'LY',
        categories: ['ROUTE', 'DOCUMENT', 'BULLETIN'],
        maxClassification: 'AMBER',
        retentionDays: 90,
      },
      {
        from: 'LY',
        to: 'NE',
        categories: ['ROUTE', 'DOCUMENT', 'BULLETIN'],
        maxClassification: 'AMBER',
        retentionDays: 90,
      },
    ],
  },
  {
    parties: ['LY', 'IT'],
    purpose: 'Central Mediterranean: all categories; suspects shared without phone numbers; 30-day retention',
    directions: [
      {
        from: 'LY',
        to: 'IT',
        categories: ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'],
        maxClassification: 'RED',
        excludedFields: ['suspect.phones'],
        retentionDays: 30,
      },
      {
        from: 'IT',
        to: 'LY',
        categories: ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'],
        maxClassification: 'RED',
        excludedFields: ['suspect.phones'],
        retentionDays: 30,
      },
    ],
  },
  {
    parties: ['NE', 'IT'],
    purpose: 'Protection of migrants and trend bulletins between origin and destination',
    directions: [
      {
        from: 'NE',
        to: 'IT',
        categories: ['BULLETIN', 'PROTECTION_REFERRAL'],
        maxClassification: 'AMBER',
        retentionDays: 30,
      },
      {
        from: 'IT',
        to: 'NE',
        categories: ['BULLETIN', 'PROTECTION_REFERRAL'],
        maxClassification: 'AMBER',
        retentionDays: 30,
      },
    ],
  },
];

/** Officer desks per country for the demo: what each desk covers and its clearance. */
export const DEMO_DESKS: Record<
  string,
  { sub: string; desk: string; clearance: string; categories: string[] }
> = {
  NE: {
    sub: 'officer.agadez',
    desk: 'sahara',
    clearance: 'AMBER',
    categories: ['ROUTE', 'DOCUMENT', 'BULLETIN', 'PROTECTION_REFERRAL'],
  },
  LY: {
    sub: 'officer.tripoli',
    desk: 'coast',
    clearance: 'RED',
    categories: ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'],
  },
  IT: {
    sub: 'officer.lampedusa',
    desk: 'maritime',
    clearance: 'RED',
    categories: ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'],
  },
};

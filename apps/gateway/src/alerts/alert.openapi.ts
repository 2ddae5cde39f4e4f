// What /docs says about the request bodies beyond their rules (which come from @corridor/gateway-api's classes):
// examples and descriptions only.
import { PublishAlertDto, ReplyDto, UpdateAlertDto, WithdrawDto } from '@corridor/gateway-api';
import type { SchemaNotes } from '@corridor/platform';

export const REQUEST_BODIES = [PublishAlertDto, UpdateAlertDto, WithdrawDto, ReplyDto];

const PUBLISH_NOTES: SchemaNotes[string] = {
  classification: { description: 'TLP 2.0 (AMBER_STRICT is AMBER+STRICT)' },
  title: { example: 'Departures from Zuwara expected tonight' },
  recipients: {
    description: 'partner countries; omitted = every partner whose agreement allows it',
    example: ['IT'],
  },
  threadId: { description: 'UUID of an earlier alert to thread this one under' },
};

export const REQUEST_NOTES: SchemaNotes = {
  GeoPointDto: { lat: { example: 32.93 }, lon: { example: 12.08 } },
  WaypointDto: { place: { example: 'Zuwara' }, country: { example: 'LY' } },
  RouteDto: {
    originCountry: { example: 'NE' },
    destinationCountry: { example: 'IT' },
    transportMode: {
      example: 'RUBBER_BOAT',
      description: 'a code of TransportMode (proto/corridor/v1/vocabulary.proto)',
    },
    modusOperandi: { example: 'STAGGERED_DEPARTURES', description: 'a code of ModusOperandi' },
    pricePerPersonUsd: { example: 2500 },
    estimatedPeople: { example: 40 },
    risksToLife: { example: ['OVERCROWDED_BOAT', 'NO_LIFE_JACKETS'], description: 'codes of RiskToLife' },
    note: { example: 'three boats launched a few hours apart', description: 'free text beside the codes' },
  },
  DocumentDto: {
    issuingState: { example: 'UTO' },
    number: { example: 'L898902C3' },
    mrz: {
      example: [
        'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<',
        'L898902C36UTO7408122F1204159ZE184226B<<<<<10',
      ],
    },
  },
  SuspectDto: { birthDate: { example: '1985' } },
  FinancialFlowDto: {
    amountMinor: { example: 1250000, description: 'minor units' },
    currency: { example: 'EUR' },
  },
  ProtectionReferralDto: { peopleCount: { example: 45 }, observedAtMs: { description: 'epoch ms' } },
  BulletinDto: { region: { example: 'Central Mediterranean' } },
  PublishAlertDto: PUBLISH_NOTES,
  UpdateAlertDto: { ...PUBLISH_NOTES, reason: { example: 'departure postponed' } },
  WithdrawDto: { reason: { example: 'information proved wrong' } },
};

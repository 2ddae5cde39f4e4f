// The publishing API's request shapes: the one definition of their rules, used by the gateway's validation pipe, its
// inbound content checks, the CLI and the web desk. Only class-validator and class-transformer decorators: the
// gateway builds the OpenAPI schemas at /docs from these same rules.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import {
  CATEGORY_NAMES,
  CLASSIFICATION_NAMES,
  HANDLING_NAMES,
  PRIORITY_NAMES,
  VOCABULARIES,
} from '@corridor/contracts';

/**
 * Characters no text field may hold: NUL and the other C0 controls except tab, line feed and carriage return, DEL
 * and the C1 controls. PostgreSQL refuses NUL in text, and none of them belongs in an alert. Bidi controls (U+202A-E,
 * U+2066-9) are allowed: Arabic text needs them, and the desk isolates every partner-supplied string on display.
 */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** The text rule of every string field, on the API and on receive: no control characters (CONTROL_CHARACTER). */
export function PlainText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'plainText',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !CONTROL_CHARACTER.test(value),
        defaultMessage: () =>
          '$property must not contain control characters (NUL, U+0001-U+001F but tab and newline, U+007F-U+009F)',
      },
    },
    options,
  );
}

/** An epoch-ms time that is not in the future (beyond five minutes of clock skew). */
export function NotInFuture(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'notInFuture',
      validator: {
        validate: (value: unknown) => typeof value !== 'number' || value <= Date.now() + 5 * 60_000,
        defaultMessage: () => '$property must not be in the future',
      },
    },
    options,
  );
}

/**
 * A nested object of the given class (or, with `each`, an array of them). @ValidateNested alone also takes an array
 * where one object belongs (it validates each element: `origin: []` passed with no error and became an empty
 * waypoint), so @IsObject goes with it: an array or a scalar there gets "must be an object".
 */
function Nested(type: () => new () => object, options: { each?: boolean } = {}): PropertyDecorator {
  return (target, key) => {
    IsObject(options)(target, key);
    ValidateNested(options)(target, key);
    Type(type)(target, key);
  };
}

const COUNTRY = /^[A-Z]{2}$/;
const COUNTRY_MSG = { message: '$property must be an ISO 3166-1 alpha-2 code in capitals, e.g. LY' };

export class GeoPointDto {
  @IsNumber() @Min(-90) @Max(90) lat!: number;
  @IsNumber() @Min(-180) @Max(180) lon!: number;
}

export class WaypointDto {
  @IsString() @PlainText() @MaxLength(100) place!: string;
  @Matches(COUNTRY, COUNTRY_MSG) country!: string;
  @IsOptional()
  @Nested(() => GeoPointDto)
  point?: GeoPointDto;
}

export { VOCABULARIES, type Vocabulary } from '@corridor/contracts';

/** The coded vocabularies (defined once, in proto/corridor/v1/vocabulary.proto): the API takes and returns codes. */
export const TRANSPORT_MODES = VOCABULARIES.transportMode;
export const MODI_OPERANDI = VOCABULARIES.modusOperandi;
export const RISKS_TO_LIFE = VOCABULARIES.riskToLife;

/**
 * Fields that held free text before they became codes. What a partner sends in them is accepted on receive as
 * plain text (the desk shows a value it has no label for as written); what an agency publishes must be a code.
 */
export const FREE_TEXT_BEFORE_CODES: readonly string[] = [
  'route.transportMode',
  'route.modusOperandi',
  'route.risksToLife',
];

const codes = (property: string, list: readonly string[], note = 'note'): ValidationOptions => ({
  message: `${property} must be one of the codes ${list.join(', ')} (free text goes in ${note})`,
});

export class RouteDto {
  @Matches(COUNTRY, COUNTRY_MSG) originCountry!: string;
  @IsOptional()
  @Nested(() => WaypointDto)
  origin?: WaypointDto;
  @IsArray()
  @ArrayMaxSize(50)
  @Nested(() => WaypointDto, { each: true })
  transit!: WaypointDto[];
  @Matches(COUNTRY, COUNTRY_MSG) destinationCountry!: string;
  @IsOptional()
  @Nested(() => WaypointDto)
  destination?: WaypointDto;
  @IsString()
  @PlainText()
  @MaxLength(200)
  @IsIn(TRANSPORT_MODES, codes('transportMode', TRANSPORT_MODES))
  transportMode!: string;
  @IsOptional()
  @IsString()
  @PlainText()
  @MaxLength(2000)
  @IsIn(MODI_OPERANDI, codes('modusOperandi', MODI_OPERANDI))
  modusOperandi?: string;
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  pricePerPersonUsd?: number;
  @IsOptional() @IsInt() @Min(0) @Max(100_000) estimatedPeople?: number;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @PlainText({ each: true })
  @MaxLength(200, { each: true })
  @IsIn(RISKS_TO_LIFE, { each: true, ...codes('risksToLife', RISKS_TO_LIFE) })
  risksToLife?: string[];
  /** Free text beside the codes. */
  @IsOptional() @IsString() @PlainText() @MaxLength(2000) note?: string;
}

export const DOCUMENT_TYPES = ['PASSPORT', 'ID_CARD', 'VISA', 'RESIDENCE_PERMIT', 'TRAVEL_DOCUMENT', 'OTHER'];
export const FRAUD_TYPES = VOCABULARIES.fraudType;

export class DocumentDto {
  @IsIn(DOCUMENT_TYPES) documentType!: string;
  @Matches(/^[A-Z<]{2,3}$/, { message: 'issuingState must be an ICAO 9303 or ISO code' })
  issuingState!: string;
  @Matches(/^[A-Z0-9<]{1,20}$/, { message: 'number must be 1-20 characters A-Z, 0-9 or <' })
  number!: string;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(3)
  @IsString({ each: true })
  @PlainText({ each: true })
  @MaxLength(44, { each: true })
  mrz?: string[];
  @IsIn(FRAUD_TYPES, codes('fraudType', FRAUD_TYPES, 'notes')) fraudType!: string;
  @IsOptional() @IsString() @PlainText() @MaxLength(2000) notes?: string;
}

export const SUSPECT_ROLES = VOCABULARIES.suspectRole;

export class SuspectDto {
  @IsString() @PlainText() @MinLength(1) @MaxLength(100) familyName!: string;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @PlainText({ each: true })
  @MaxLength(100, { each: true })
  givenNames?: string[];
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @PlainText({ each: true })
  @MaxLength(100, { each: true })
  aliases?: string[];
  @IsOptional()
  @Matches(/^\d{4}(-\d{2}(-\d{2})?)?$/, { message: 'birthDate must be YYYY, YYYY-MM or YYYY-MM-DD' })
  birthDate?: string;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(COUNTRY, { each: true, ...COUNTRY_MSG })
  nationalities?: string[];
  @IsIn(SUSPECT_ROLES, codes('role', SUSPECT_ROLES, 'notes')) role!: string;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(/^\+?[0-9 ()-]{5,20}$/, { each: true, message: 'phones must be phone numbers' })
  phones?: string[];
  @IsOptional() @IsString() @PlainText() @MaxLength(2000) notes?: string;
}

export const FLOW_METHODS = ['HAWALA', 'MONEY_TRANSFER', 'BANK', 'MOBILE_MONEY', 'CRYPTO', 'CASH'];

export class FinancialFlowDto {
  @IsIn(FLOW_METHODS) method!: string;
  @Matches(COUNTRY, COUNTRY_MSG) fromCountry!: string;
  @Matches(COUNTRY, COUNTRY_MSG) toCountry!: string;
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amountMinor!: number;
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code' })
  currency!: string;
  @IsOptional() @IsString() @PlainText() @MaxLength(100) reference?: string;
  @IsOptional() @IsString() @PlainText() @MaxLength(2000) notes?: string;
}

export const PROTECTION_NEEDS = VOCABULARIES.referralNeed;

export class ProtectionReferralDto {
  @IsIn(PROTECTION_NEEDS, codes('need', PROTECTION_NEEDS, 'notes')) need!: string;
  @IsInt() @Min(1) @Max(100_000) peopleCount!: number;
  @IsOptional()
  @Nested(() => GeoPointDto)
  lastKnownPosition?: GeoPointDto;
  @IsOptional() @IsString() @PlainText() @MaxLength(100) lastKnownPlace?: string;
  @IsOptional()
  @IsInt()
  @Min(0)
  @NotInFuture()
  observedAtMs?: number;
  @IsOptional() @IsString() @PlainText() @MaxLength(200) contactChannel?: string;
  @IsOptional() @IsString() @PlainText() @MaxLength(2000) notes?: string;
}

export class BulletinDto {
  @IsString() @PlainText() @MinLength(1) @MaxLength(200) title!: string;
  @IsString() @PlainText() @MaxLength(1000) summary!: string;
  @IsString() @PlainText() @MaxLength(20000) body!: string;
  @IsOptional()
  @IsString()
  @PlainText()
  @MaxLength(100)
  region?: string;
}

export class PublishAlertDto {
  @IsIn(CATEGORY_NAMES, { message: `category must be one of ${CATEGORY_NAMES.join(', ')}` })
  category!: string;
  @IsIn(PRIORITY_NAMES, { message: `priority must be one of ${PRIORITY_NAMES.join(', ')}` })
  priority!: string;
  @IsIn(CLASSIFICATION_NAMES, { message: `classification must be one of ${CLASSIFICATION_NAMES.join(', ')}` })
  classification!: string;
  @IsIn(HANDLING_NAMES, { message: `handling must be one of ${HANDLING_NAMES.join(', ')}` })
  handling!: string;
  @IsString()
  @PlainText()
  @MinLength(1)
  @MaxLength(200)
  title!: string;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(COUNTRY, { each: true, message: 'recipients must be ISO 3166-1 alpha-2 codes' })
  recipients?: string[];
  @IsOptional()
  @IsUUID()
  threadId?: string;
  @IsOptional()
  @Nested(() => RouteDto)
  route?: RouteDto;
  @IsOptional()
  @Nested(() => DocumentDto)
  document?: DocumentDto;
  @IsOptional()
  @Nested(() => SuspectDto)
  suspect?: SuspectDto;
  @IsOptional()
  @Nested(() => FinancialFlowDto)
  financialFlow?: FinancialFlowDto;
  @IsOptional()
  @Nested(() => ProtectionReferralDto)
  protectionReferral?: ProtectionReferralDto;
  @IsOptional()
  @Nested(() => BulletinDto)
  bulletin?: BulletinDto;
}

export class UpdateAlertDto extends PublishAlertDto {
  @IsString() @PlainText() @MaxLength(500) reason!: string;
}

export class WithdrawDto {
  @IsString()
  @PlainText()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}

export class ReplyDto {
  @IsString() @PlainText() @MinLength(1) @MaxLength(5000) body!: string;
}

export const PAYLOAD_FIELD: Record<string, keyof PublishAlertDto> = {
  ROUTE: 'route',
  DOCUMENT: 'document',
  SUSPECT: 'suspect',
  FINANCIAL_FLOW: 'financialFlow',
  PROTECTION_REFERRAL: 'protectionReferral',
  BULLETIN: 'bulletin',
};

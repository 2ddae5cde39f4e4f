// The publishing API's request shapes. Validated at the edge (class-validator) and turned into a
// protobuf Alert before any use case sees it.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
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
import { CATEGORY_NAMES, CLASSIFICATION_NAMES, HANDLING_NAMES, PRIORITY_NAMES } from '@corridor/contracts';

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

const COUNTRY = /^[A-Z]{2}$/;
const COUNTRY_MSG = { message: '$property must be an ISO 3166-1 alpha-2 code in capitals, e.g. LY' };

export class GeoPointDto {
  @ApiProperty({ example: 32.93 }) @IsNumber() @Min(-90) @Max(90) lat!: number;
  @ApiProperty({ example: 12.08 }) @IsNumber() @Min(-180) @Max(180) lon!: number;
}

export class WaypointDto {
  @ApiProperty({ example: 'Zuwara' }) @IsString() @PlainText() @MaxLength(100) place!: string;
  @ApiProperty({ example: 'LY' }) @Matches(COUNTRY, COUNTRY_MSG) country!: string;
  @ApiPropertyOptional({ type: GeoPointDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => GeoPointDto)
  point?: GeoPointDto;
}

export class RouteDto {
  @ApiProperty({ example: 'NE' }) @Matches(COUNTRY, COUNTRY_MSG) originCountry!: string;
  @ApiPropertyOptional({ type: WaypointDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => WaypointDto)
  origin?: WaypointDto;
  @ApiProperty({ type: [WaypointDto] })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => WaypointDto)
  transit!: WaypointDto[];
  @ApiProperty({ example: 'IT' }) @Matches(COUNTRY, COUNTRY_MSG) destinationCountry!: string;
  @ApiPropertyOptional({ type: WaypointDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => WaypointDto)
  destination?: WaypointDto;
  @ApiProperty({ example: 'sea (rubber boat)' })
  @IsString()
  @PlainText()
  @MaxLength(200)
  transportMode!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @PlainText() @MaxLength(2000) modusOperandi?: string;
  @ApiPropertyOptional({ example: 2500 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  pricePerPersonUsd?: number;
  @ApiPropertyOptional({ example: 40 }) @IsOptional() @IsInt() @Min(0) @Max(100_000) estimatedPeople?: number;
  @ApiPropertyOptional({ example: ['overcrowded boat'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @PlainText({ each: true })
  @MaxLength(200, { each: true })
  risksToLife?: string[];
}

export const DOCUMENT_TYPES = ['PASSPORT', 'ID_CARD', 'VISA', 'RESIDENCE_PERMIT', 'TRAVEL_DOCUMENT', 'OTHER'];
export const FRAUD_TYPES = ['COUNTERFEIT', 'FORGED', 'IMPOSTOR', 'FRAUDULENTLY_OBTAINED', 'STOLEN_BLANK'];

export class DocumentDto {
  @ApiProperty({ enum: DOCUMENT_TYPES }) @IsIn(DOCUMENT_TYPES) documentType!: string;
  @ApiProperty({ example: 'UTO' })
  @Matches(/^[A-Z<]{2,3}$/, { message: 'issuingState must be an ICAO 9303 or ISO code' })
  issuingState!: string;
  @ApiProperty({ example: 'L898902C3' })
  @Matches(/^[A-Z0-9<]{1,20}$/, { message: 'number must be 1-20 characters A-Z, 0-9 or <' })
  number!: string;
  @ApiPropertyOptional({
    example: ['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<', 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(3)
  @IsString({ each: true })
  @PlainText({ each: true })
  @MaxLength(44, { each: true })
  mrz?: string[];
  @ApiProperty({ enum: FRAUD_TYPES }) @IsIn(FRAUD_TYPES) fraudType!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @PlainText() @MaxLength(2000) notes?: string;
}

export const SUSPECT_ROLES = ['ORGANISER', 'RECRUITER', 'TRANSPORTER', 'FACILITATOR', 'FINANCIER', 'FORGER'];

export class SuspectDto {
  @ApiProperty() @IsString() @PlainText() @MinLength(1) @MaxLength(100) familyName!: string;
  @ApiPropertyOptional()
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @PlainText({ each: true })
  @MaxLength(100, { each: true })
  givenNames?: string[];
  @ApiPropertyOptional()
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @PlainText({ each: true })
  @MaxLength(100, { each: true })
  aliases?: string[];
  @ApiPropertyOptional({ example: '1985' })
  @IsOptional()
  @Matches(/^\d{4}(-\d{2}(-\d{2})?)?$/, { message: 'birthDate must be YYYY, YYYY-MM or YYYY-MM-DD' })
  birthDate?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(COUNTRY, { each: true, ...COUNTRY_MSG })
  nationalities?: string[];
  @ApiProperty({ enum: SUSPECT_ROLES }) @IsIn(SUSPECT_ROLES) role!: string;
  @ApiPropertyOptional()
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(/^\+?[0-9 ()-]{5,20}$/, { each: true, message: 'phones must be phone numbers' })
  phones?: string[];
  @ApiPropertyOptional() @IsOptional() @IsString() @PlainText() @MaxLength(2000) notes?: string;
}

export const FLOW_METHODS = ['HAWALA', 'MONEY_TRANSFER', 'BANK', 'MOBILE_MONEY', 'CRYPTO', 'CASH'];

export class FinancialFlowDto {
  @ApiProperty({ enum: FLOW_METHODS }) @IsIn(FLOW_METHODS) method!: string;
  @ApiProperty() @Matches(COUNTRY, COUNTRY_MSG) fromCountry!: string;
  @ApiProperty() @Matches(COUNTRY, COUNTRY_MSG) toCountry!: string;
  @ApiProperty({ example: 1250000, description: 'minor units' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amountMinor!: number;
  @ApiProperty({ example: 'EUR' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code' })
  currency!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @PlainText() @MaxLength(100) reference?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @PlainText() @MaxLength(2000) notes?: string;
}

export const PROTECTION_NEEDS = [
  'DISTRESS_AT_SEA',
  'UNACCOMPANIED_MINOR',
  'TRAFFICKING_VICTIM',
  'MEDICAL',
  'MISSING_PERSON',
];

export class ProtectionReferralDto {
  @ApiProperty({ enum: PROTECTION_NEEDS }) @IsIn(PROTECTION_NEEDS) need!: string;
  @ApiProperty({ example: 45 }) @IsInt() @Min(1) @Max(100_000) peopleCount!: number;
  @ApiPropertyOptional({ type: GeoPointDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => GeoPointDto)
  lastKnownPosition?: GeoPointDto;
  @ApiPropertyOptional() @IsOptional() @IsString() @PlainText() @MaxLength(100) lastKnownPlace?: string;
  @ApiPropertyOptional({ description: 'epoch ms' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @NotInFuture()
  observedAtMs?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @PlainText() @MaxLength(200) contactChannel?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @PlainText() @MaxLength(2000) notes?: string;
}

export class BulletinDto {
  @ApiProperty() @IsString() @PlainText() @MinLength(1) @MaxLength(200) title!: string;
  @ApiProperty() @IsString() @PlainText() @MaxLength(1000) summary!: string;
  @ApiProperty() @IsString() @PlainText() @MaxLength(20000) body!: string;
  @ApiPropertyOptional({ example: 'Central Mediterranean' })
  @IsOptional()
  @IsString()
  @PlainText()
  @MaxLength(100)
  region?: string;
}

export class PublishAlertDto {
  @ApiProperty({ enum: CATEGORY_NAMES })
  @IsIn(CATEGORY_NAMES, { message: `category must be one of ${CATEGORY_NAMES.join(', ')}` })
  category!: string;
  @ApiProperty({ enum: PRIORITY_NAMES })
  @IsIn(PRIORITY_NAMES, { message: `priority must be one of ${PRIORITY_NAMES.join(', ')}` })
  priority!: string;
  @ApiProperty({ enum: CLASSIFICATION_NAMES, description: 'TLP 2.0 (AMBER_STRICT is AMBER+STRICT)' })
  @IsIn(CLASSIFICATION_NAMES, { message: `classification must be one of ${CLASSIFICATION_NAMES.join(', ')}` })
  classification!: string;
  @ApiProperty({ enum: HANDLING_NAMES })
  @IsIn(HANDLING_NAMES, { message: `handling must be one of ${HANDLING_NAMES.join(', ')}` })
  handling!: string;
  @ApiProperty({ example: 'Departures from Zuwara expected tonight' })
  @IsString()
  @PlainText()
  @MinLength(1)
  @MaxLength(200)
  title!: string;
  @ApiPropertyOptional({
    description: 'partner countries; omitted = every partner whose agreement allows it',
    example: ['IT'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(COUNTRY, { each: true, message: 'recipients must be ISO 3166-1 alpha-2 codes' })
  recipients?: string[];
  @ApiPropertyOptional({ description: 'UUID of an earlier alert to thread this one under' })
  @IsOptional()
  @IsUUID()
  threadId?: string;
  @ApiPropertyOptional({ type: RouteDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => RouteDto)
  route?: RouteDto;
  @ApiPropertyOptional({ type: DocumentDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => DocumentDto)
  document?: DocumentDto;
  @ApiPropertyOptional({ type: SuspectDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SuspectDto)
  suspect?: SuspectDto;
  @ApiPropertyOptional({ type: FinancialFlowDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => FinancialFlowDto)
  financialFlow?: FinancialFlowDto;
  @ApiPropertyOptional({ type: ProtectionReferralDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ProtectionReferralDto)
  protectionReferral?: ProtectionReferralDto;
  @ApiPropertyOptional({ type: BulletinDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => BulletinDto)
  bulletin?: BulletinDto;
}

export class UpdateAlertDto extends PublishAlertDto {
  @ApiProperty({ example: 'departure postponed' }) @IsString() @PlainText() @MaxLength(500) reason!: string;
}

export class WithdrawDto {
  @ApiProperty({ example: 'information proved wrong' })
  @IsString()
  @PlainText()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}

export class ReplyDto {
  @ApiProperty() @IsString() @PlainText() @MinLength(1) @MaxLength(5000) body!: string;
}

export const PAYLOAD_FIELD: Record<string, keyof PublishAlertDto> = {
  ROUTE: 'route',
  DOCUMENT: 'document',
  SUSPECT: 'suspect',
  FINANCIAL_FLOW: 'financialFlow',
  PROTECTION_REFERRAL: 'protectionReferral',
  BULLETIN: 'bulletin',
};

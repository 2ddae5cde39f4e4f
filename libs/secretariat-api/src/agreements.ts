// The agreement registry's request shapes: the one definition of their rules, used by the secretariat's validation
// pipe and by the CLI. Only class-validator and class-transformer decorators: the secretariat builds the OpenAPI
// schemas at /docs from these same rules.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CATEGORY_NAMES, CLASSIFICATION_NAMES, HANDLING_NAMES } from '@corridor/contracts';

const COUNTRY = /^[A-Z]{2}$/;

export class DirectionTermsDto {
  @Matches(COUNTRY, { message: 'from must be an ISO 3166-1 alpha-2 code' })
  from!: string;
  @Matches(COUNTRY, { message: 'to must be an ISO 3166-1 alpha-2 code' })
  to!: string;
  @IsArray()
  @IsIn(CATEGORY_NAMES, { each: true })
  categories!: string[];
  @IsIn(CLASSIFICATION_NAMES) maxClassification!: string;
  @IsIn(HANDLING_NAMES) maxHandling!: string;
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  excludedFields?: string[];
  @IsInt() @Min(0) @Max(3650) retentionDays!: number;
  @IsIn(['FORBIDDEN', 'WITH_ORIGINATOR_CONSENT'])
  onwardSharing!: string;
  @IsOptional() @IsString() @MaxLength(500) purpose?: string;
}

export class ProposeAgreementDto {
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @Matches(COUNTRY, { each: true, message: 'parties must be ISO 3166-1 alpha-2 codes' })
  parties!: string[];
  @IsISO8601() validFrom!: string;
  @IsISO8601() validUntil!: string;
  @IsString() @MaxLength(500) purpose!: string;
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @ValidateNested({ each: true })
  @Type(() => DirectionTermsDto)
  directions!: DirectionTermsDto[];
  /** Crypto suites allowed on this pair; omitted or empty: any suite both gateways open. [2] requires suite 2. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2)
  @IsIn([1, 2], { each: true, message: 'suites must name known suites (1, 2)' })
  suites?: number[];
}

export class PartySignatureDto {
  @Matches(COUNTRY) signer!: string;
  @IsString()
  signature!: string;
  @Matches(/^[0-9a-f]{64}$/)
  certFingerprint!: string;
}

export class TransitionDto {
  @IsString()
  @MaxLength(500)
  reason!: string;
}

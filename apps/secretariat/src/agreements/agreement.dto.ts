import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
  @ApiProperty({ example: 'LY' })
  @Matches(COUNTRY, { message: 'from must be an ISO 3166-1 alpha-2 code' })
  from!: string;
  @ApiProperty({ example: 'IT' })
  @Matches(COUNTRY, { message: 'to must be an ISO 3166-1 alpha-2 code' })
  to!: string;
  @ApiProperty({ enum: CATEGORY_NAMES, isArray: true })
  @IsArray()
  @IsIn(CATEGORY_NAMES, { each: true })
  categories!: string[];
  @ApiProperty({ enum: CLASSIFICATION_NAMES }) @IsIn(CLASSIFICATION_NAMES) maxClassification!: string;
  @ApiProperty({ enum: HANDLING_NAMES }) @IsIn(HANDLING_NAMES) maxHandling!: string;
  @ApiPropertyOptional({ example: ['suspect.phones'] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  excludedFields?: string[];
  @ApiProperty({ example: 30 }) @IsInt() @Min(0) @Max(3650) retentionDays!: number;
  @ApiProperty({ enum: ['FORBIDDEN', 'WITH_ORIGINATOR_CONSENT'] })
  @IsIn(['FORBIDDEN', 'WITH_ORIGINATOR_CONSENT'])
  onwardSharing!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) purpose?: string;
}

export class ProposeAgreementDto {
  @ApiProperty({ example: ['IT', 'LY'] })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @Matches(COUNTRY, { each: true, message: 'parties must be ISO 3166-1 alpha-2 codes' })
  parties!: string[];
  @ApiProperty({ example: '2026-01-01T00:00:00Z' }) @IsISO8601() validFrom!: string;
  @ApiProperty({ example: '2027-12-31T23:59:59Z' }) @IsISO8601() validUntil!: string;
  @ApiProperty() @IsString() @MaxLength(500) purpose!: string;
  @ApiProperty({ type: [DirectionTermsDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @ValidateNested({ each: true })
  @Type(() => DirectionTermsDto)
  directions!: DirectionTermsDto[];
}

export class PartySignatureDto {
  @ApiProperty({ example: 'LY' }) @Matches(COUNTRY) signer!: string;
  @ApiProperty({ description: 'base64 RSA-PSS-SHA256 signature over the terms bytes' })
  @IsString()
  signature!: string;
  @ApiProperty({ description: 'SHA-256 fingerprint of the signer certificate, hex' })
  @Matches(/^[0-9a-f]{64}$/)
  certFingerprint!: string;
}

export class TransitionDto {
  @ApiProperty({ example: 'requested by LY after a data incident' })
  @IsString()
  @MaxLength(500)
  reason!: string;
}

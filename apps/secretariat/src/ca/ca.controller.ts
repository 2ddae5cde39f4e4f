import { Body, Controller, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Public, Roles } from '@corridor/platform';
import { CaService, EnrolResult } from './ca.service';

export class EnrolDto {
  @ApiProperty({ example: 'LY' })
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  country!: string;
  @ApiProperty({ description: 'PKCS#10 request made by the gateway (corridor pki csr)' })
  @IsString()
  @MaxLength(20000)
  csrPem!: string;
  @ApiPropertyOptional({
    description:
      'PKCS#10 request for the TLS client certificate to Kafka (another key than the signing key; corridor pki issue makes it)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  kafkaCsrPem?: string;
  @ApiPropertyOptional({
    description:
      'PKCS#10 request for the P-256 certificate of suite 2 (envelope signatures, epoch keys; another key than the RSA one)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  ecCsrPem?: string;
}

export class RevokeDto {
  @ApiProperty({ example: 'key compromise' }) @IsString() @MaxLength(200) reason!: string;
}

@ApiTags('pki')
@ApiBearerAuth()
@Controller('v1')
export class CaController {
  constructor(private readonly ca: CaService) {}

  @Public()
  @Get('ca')
  @ApiOperation({ summary: 'The regional root certificate (public)' })
  root(): { certPem: string } {
    return { certPem: this.ca.ca.certPem };
  }

  @Public()
  @Get('crl')
  @Header('Content-Type', 'application/pkix-crl')
  @ApiOperation({ summary: 'The current revocation list, PEM (public; also published on the control topic)' })
  async crl(): Promise<string> {
    return this.ca.currentCrl();
  }

  @Post('gateways')
  @Roles('admin')
  @ApiOperation({
    summary:
      'Enrol a national gateway: issue its signing certificate (and its Kafka TLS client certificate) from its CSRs and grant its membership ACLs',
  })
  async enrol(@Body() dto: EnrolDto): Promise<EnrolResult> {
    return this.ca.enrol(dto);
  }

  @Get('certificates')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'Certificates issued, with revocation state' })
  async list(): Promise<unknown> {
    return this.ca.certificates();
  }

  @Post('certificates/:fingerprint/revoke')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary:
      'Revoke a certificate: a new CRL is published at once; a gateway left without a valid signing or Kafka certificate loses every broker ACL',
  })
  async revoke(
    @Param('fingerprint') fingerprint: string,
    @Body() dto: RevokeDto,
  ): Promise<{ crlNumber: string; brokerAccessCut: boolean }> {
    return this.ca.revoke({ fingerprint, reason: dto.reason });
  }
}

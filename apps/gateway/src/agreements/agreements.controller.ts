import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsBase64 } from 'class-validator';
import { AgreementTermsSchema, fromBinary } from '@corridor/contracts';
import { signTerms } from '@corridor/policy';
import { problem, Roles } from '@corridor/platform';
import { TrustStore } from '../trust/trust.store';

export class SignTermsDto {
  @ApiProperty({ description: 'termsBase64 of the agreement as the secretariat shows it' })
  @IsBase64()
  termsBase64!: string;
}

@ApiTags('agreements')
@ApiBearerAuth()
@Controller('v1/agreements')
export class GatewayAgreementsController {
  constructor(private readonly trust: TrustStore) {}

  @Get()
  @Roles('publisher', 'officer', 'auditor')
  @ApiOperation({
    summary: 'Agreements this gateway knows from the control topic, verified, with their signed history',
  })
  list(): unknown {
    return this.trust.describeAgreements();
  }

  @Post('sign')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary:
      "Sign an agreement's terms with this gateway's key (then submit the signature to the secretariat)",
  })
  sign(@Body() dto: SignTermsDto): {
    signer: string;
    signature: string;
    certFingerprint: string;
    agreementId: string;
  } {
    const bytes = Buffer.from(dto.termsBase64, 'base64');
    let terms;
    try {
      terms = fromBinary(AgreementTermsSchema, bytes);
    } catch {
      throw problem(422, 'TERMS_MALFORMED', 'termsBase64 does not decode as agreement terms', {
        field: 'termsBase64',
      });
    }
    if (!terms.parties.includes(this.trust.own.country)) {
      throw problem(422, 'NOT_A_PARTY', `${this.trust.own.country} is not a party to ${terms.id}`, {
        field: 'termsBase64',
      });
    }
    return {
      agreementId: terms.id,
      signer: this.trust.own.country,
      signature: Buffer.from(signTerms({ terms: bytes, privateKey: this.trust.own.key })).toString('base64'),
      certFingerprint: this.trust.own.fingerprint,
    };
  }
}

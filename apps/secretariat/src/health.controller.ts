import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { checkHealth, Health, KafkaClient, OIDC_RP, OidcRelyingParty, Public } from '@corridor/platform';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly ds: DataSource,
    private readonly kafka: KafkaClient,
    @Inject(OIDC_RP) private readonly rp: OidcRelyingParty | null,
  ) {}

  @Public()
  @Get('health')
  @ApiOperation({
    summary: 'Liveness of the database and the broker, and whether the identity provider answers',
  })
  async health(
    @Res({ passthrough: true }) res: Response,
  ): Promise<Health & { identityProvider: 'up' | 'down' | 'not-configured' }> {
    const [h, idp] = await Promise.all([checkHealth(this.ds, this.kafka), this.rp?.probe()]);
    // The audit reads its own database: a provider that is down is reported, not a failed health check.
    res.status(h.status === 'up' ? 200 : 503);
    return { ...h, identityProvider: idp?.status ?? 'not-configured' };
  }
}

import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import {
  checkHealth,
  Health,
  KafkaClient,
  OIDC_RP,
  OidcRelyingParty,
  Public,
  Roles,
} from '@corridor/platform';
import { GatewayMetrics } from './metrics';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly ds: DataSource,
    private readonly kafka: KafkaClient,
    private readonly metrics: GatewayMetrics,
    @Inject(OIDC_RP) private readonly rp: OidcRelyingParty | null,
  ) {}

  @Public()
  @Get('health')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Liveness of the database and the broker, and whether the identity provider answers (no data, no authentication)',
  })
  async health(
    @Res({ passthrough: true }) res: Response,
  ): Promise<Health & { identityProvider: 'up' | 'down' | 'not-configured' }> {
    const [h, idp] = await Promise.all([checkHealth(this.ds, this.kafka), this.rp?.probe()]);
    // The exchange does not depend on the provider: its absence is reported, not a failed health check.
    res.status(h.status === 'up' ? 200 : 503);
    return { ...h, identityProvider: idp?.status ?? 'not-configured' };
  }

  @Roles('admin', 'auditor')
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOperation({ summary: 'Prometheus metrics (bearer token with role admin or auditor)' })
  async prometheus(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

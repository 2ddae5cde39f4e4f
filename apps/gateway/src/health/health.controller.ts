import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { checkHealth, Health, KafkaClient, Public, Roles } from '@corridor/platform';
import { GatewayMetrics } from './metrics';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly ds: DataSource,
    private readonly kafka: KafkaClient,
    private readonly metrics: GatewayMetrics,
  ) {}

  @Public()
  @Get('health')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness of the database and the broker (no data, no authentication)' })
  async health(@Res({ passthrough: true }) res: Response): Promise<Health> {
    const h = await checkHealth(this.ds, this.kafka);
    res.status(h.status === 'up' ? 200 : 503);
    return h;
  }

  @Roles('admin', 'auditor')
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOperation({ summary: 'Prometheus metrics (bearer token with role admin or auditor)' })
  async prometheus(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

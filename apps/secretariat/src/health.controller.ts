import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { checkHealth, Health, KafkaClient, Public } from '@corridor/platform';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly ds: DataSource,
    private readonly kafka: KafkaClient,
  ) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Liveness of the database and the broker' })
  async health(@Res({ passthrough: true }) res: Response): Promise<Health> {
    const h = await checkHealth(this.ds, this.kafka);
    res.status(h.status === 'up' ? 200 : 503);
    return h;
  }
}

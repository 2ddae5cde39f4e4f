import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { KafkaClient, Public } from '@corridor/platform';

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
  async health(
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ status: string; database: string; kafka: string }> {
    const database = await this.ds
      .query('select 1')
      .then(() => 'up')
      .catch(() => 'down');
    const kafka = (await this.kafka.ping()) ? 'up' : 'down';
    const ok = database === 'up' && kafka === 'up';
    res.status(ok ? 200 : 503);
    return { status: ok ? 'up' : 'degraded', database, kafka };
  }
}

import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, IsUrl, MaxLength } from 'class-validator';
import { problem, Roles } from '@corridor/platform';
import { AuditMonitor } from './audit.monitor';

export class EndpointDto {
  @ApiProperty({ example: 'http://127.0.0.1:8082' })
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  url!: string;
  @ApiProperty({ description: "an auditor token issued by that gateway's operator" })
  @IsString()
  @MaxLength(4000)
  auditorToken!: string;
}

export class ExplainDto {
  @ApiProperty({ example: 'gateway LY was down for maintenance; confirmed by its operator' })
  @IsString()
  @MaxLength(2000)
  explanation!: string;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() close?: boolean;
}

/** The forum's audit: heads, findings, reconciliation and content-free statistics. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1')
export class AuditController {
  constructor(private readonly monitor: AuditMonitor) {}

  @Put('gateways/:country/endpoint')
  @Roles('admin')
  @ApiOperation({
    summary: "Where to fetch a gateway's proofs and leaf metadata, with an auditor token it issued",
  })
  async endpoint(
    @Param('country') country: string,
    @Body() dto: EndpointDto,
  ): Promise<{ country: string; url: string }> {
    if (!/^[A-Z]{2}$/.test(country)) {
      throw problem(422, 'VALIDATION_FAILED', 'country must be an ISO 3166-1 alpha-2 code', {
        field: 'country',
      });
    }
    await this.monitor.registerEndpoint(country, dto.url, dto.auditorToken);
    return { country, url: dto.url };
  }

  @Get('audit/heads')
  @Roles('auditor')
  @ApiOperation({ summary: 'The newest verified signed tree head of each gateway' })
  async heads(): Promise<unknown[]> {
    return this.monitor.heads();
  }

  @Get('audit/findings')
  @Roles('auditor')
  @ApiQuery({ name: 'state', required: false, enum: ['OPEN', 'EXPLAINED', 'CLOSED'] })
  @ApiOperation({
    summary: 'Discrepancies: bad heads, rollbacks, forks, log mismatches, unmatched exchanges',
  })
  async findings(@Query('state') state?: string): Promise<unknown[]> {
    if (state && !['OPEN', 'EXPLAINED', 'CLOSED'].includes(state)) {
      throw problem(422, 'VALIDATION_FAILED', 'state must be OPEN, EXPLAINED or CLOSED', { field: 'state' });
    }
    return this.monitor.findings(state);
  }

  @Post('audit/findings/:id/explain')
  @HttpCode(200)
  @Roles('auditor')
  @ApiOperation({ summary: 'Record an explanation for a finding, and optionally close it' })
  async explain(@Param('id', ParseIntPipe) id: number, @Body() dto: ExplainDto): Promise<unknown> {
    return this.monitor.explain(id, dto.explanation, dto.close ?? false);
  }

  @Post('audit/reconcile')
  @HttpCode(200)
  @Roles('auditor')
  @ApiOperation({ summary: 'Run the pair reconciliation now' })
  async reconcile(): Promise<unknown[]> {
    await this.monitor.reconcile();
    return this.monitor.findings('OPEN');
  }

  @Post('audit/gateways/:country/reaudit')
  @HttpCode(200)
  @Roles('auditor')
  @ApiOperation({ summary: "Re-read a gateway's whole log and compare it with the leaves it signed" })
  async reaudit(@Param('country') country: string): Promise<unknown> {
    return this.monitor.reaudit(country);
  }

  @Get('audit/statistics')
  @Roles('auditor')
  @ApiOperation({ summary: 'Content-free counts of exchanges per corridor, category and month' })
  async statistics(): Promise<unknown[]> {
    return this.monitor.statistics();
  }
}

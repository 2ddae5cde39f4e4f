import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthedRequest, problem, Roles } from '@corridor/platform';
import {
  CreateRegisterDto,
  NDJSON,
  WithdrawRecordsDto,
  type RegisterChunkDelivery,
  type RegisterPublishResult,
  type RegisterSummary,
} from '@corridor/gateway-api';
import { splitBatch } from '../alerts/batch-body';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/config';
import { RegistersService } from './registers.service';

/** Where records are posted; the body parser reads these paths as text under MAX_BATCH_BYTES. */
export const REGISTER_RECORDS_PATH = /^\/v1\/registers\/[^/]+\/records$/;

@ApiTags('registers')
@ApiBearerAuth()
@Controller('v1/registers')
export class RegistersController {
  constructor(
    private readonly registers: RegistersService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('publisher')
  @ApiOperation({
    summary: 'Create a document register (shared with partners whose agreement grants DOCUMENT)',
  })
  async create(@Req() req: AuthedRequest, @Body() dto: CreateRegisterDto): Promise<RegisterSummary> {
    return this.registers.create(req.principal, dto);
  }

  @Get()
  @Roles('publisher', 'auditor')
  @ApiOperation({ summary: 'The document registers this gateway originates, newest first' })
  async list(): Promise<{ items: RegisterSummary[] }> {
    return { items: await this.registers.list() };
  }

  @Get(':id')
  @Roles('publisher', 'auditor')
  @ApiOperation({
    summary:
      'A register with every chunk sent to each partner and its state (a REJECTED chunk names the reason)',
  })
  async get(
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<RegisterSummary & { chunks: RegisterChunkDelivery[] }> {
    return this.registers.get(id);
  }

  @Post(':id/records')
  @HttpCode(202)
  @Roles('publisher')
  @ApiOperation({
    summary: 'Add or replace records of a register (a JSON array, or NDJSON: one record per line)',
    description:
      'Each record is validated on its own and answered by index (from 0); a malformed record fails alone, naming ' +
      'its field. A record with the id of an earlier one replaces it at every partner. Records with seriesLast ' +
      'stand for every number from number to seriesLast. The valid records travel in chunks of 500, one envelope ' +
      'per chunk and partner. At most MAX_REGISTER_RECORDS (default 10,000) records and MAX_BATCH_BYTES per request.',
  })
  @ApiConsumes('application/json', NDJSON)
  @ApiBody({ schema: { type: 'array', items: { type: 'object' } } })
  @ApiResponse({
    status: 202,
    description: 'one result per record: ACCEPTED (id) or INVALID (code, field, detail)',
  })
  @ApiResponse({ status: 403, description: 'no partner agreement grants DOCUMENT at this classification' })
  @ApiResponse({ status: 409, description: 'the register was withdrawn' })
  @ApiResponse({ status: 413, description: 'more records or bytes than the limit (problem+json with limit)' })
  async records(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Req() req: AuthedRequest & { body?: unknown },
    @Headers('content-type') contentType?: string,
  ): Promise<RegisterPublishResult> {
    if (typeof req.body !== 'string') {
      throw problem(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `send the records as application/json (an array) or ${NDJSON} (one record per line)`,
        { field: 'Content-Type' },
      );
    }
    const items = splitBatch(req.body, contentType, this.config.http.maxRegisterRecords, {
      items: 'records',
      variable: 'MAX_REGISTER_RECORDS',
      single: 'send records as an array, even one',
    });
    return this.registers.publishRecords({ id, items });
  }

  @Post(':id/withdrawals')
  @HttpCode(202)
  @Roles('publisher')
  @ApiOperation({ summary: 'Withdraw records of a register by id: every partner removes them' })
  async withdrawRecords(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: WithdrawRecordsDto,
  ): Promise<RegisterPublishResult> {
    return this.registers.withdrawRecords({ id, recordIds: dto.recordIds });
  }

  @Post(':id/withdraw')
  @HttpCode(202)
  @Roles('publisher')
  @ApiOperation({ summary: 'Withdraw the whole register: every partner removes all its records' })
  async withdraw(@Param('id', new ParseUUIDPipe()) id: string): Promise<RegisterPublishResult> {
    return this.registers.withdrawRegister({ id });
  }
}

import {
  Body,
  Controller,
  DefaultValuePipe,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiHeader,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { AuthedRequest, problem, Roles } from '@corridor/platform';
import {
  NDJSON,
  OUTBOX_STATUSES,
  PublishAlertDto,
  UpdateAlertDto,
  WithdrawDto,
  type BatchPublishResult,
  type Delivery,
  type PreviewResult,
  type PublishResult,
} from '@corridor/gateway-api';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/config';
import { AlertsService } from './alerts.service';
import { parseBatch } from './batch-body';

/** Where a batch of alerts is posted; the body parser reads this path as text under MAX_BATCH_BYTES. */
export const BATCH_PATH = '/v1/alerts/batch';

function checkIdempotencyKey(key: string | undefined): void {
  if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw problem(422, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1-200 visible ASCII characters', {
      field: 'Idempotency-Key',
    });
  }
}

const STATUSES = OUTBOX_STATUSES;

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('v1')
@ApiExtraModels(PublishAlertDto)
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post('alerts')
  @HttpCode(202)
  @Roles('publisher')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'repeat a request safely: same key + same body = same answer',
  })
  @ApiOperation({
    summary: 'Publish an alert to partner countries (checked per recipient against the agreement)',
  })
  @ApiResponse({ status: 202, description: 'accepted: alert, outbox rows and log entries committed' })
  @ApiResponse({
    status: 403,
    description: 'every recipient refused by its agreement (problem+json names the rule)',
  })
  @ApiResponse({ status: 422, description: 'invalid request (problem+json names the field)' })
  async publish(
    @Body() dto: PublishAlertDto,
    @Req() req: AuthedRequest,
    // Spelled as in @ApiHeader so the OpenAPI lists one optional header (Nest reads headers case-insensitively).
    @Headers('Idempotency-Key') key?: string,
  ): Promise<PublishResult> {
    checkIdempotencyKey(key);
    return this.alerts.publish({ dto, principal: req.principal, idempotencyKey: key });
  }

  @Post('alerts/preview')
  @HttpCode(200)
  @Roles('publisher')
  @ApiOperation({
    summary: "What each recipient would receive after its agreement's redaction, or why it is refused",
    description:
      'The same validation, recipients, policy and redaction as POST /v1/alerts, without publishing: nothing is ' +
      'queued, logged or sent. ALLOWED recipients carry the alert as they would receive it and the redacted fields; ' +
      'REFUSED ones the reason and rule.',
  })
  @ApiResponse({ status: 200, description: 'one preview per recipient' })
  @ApiResponse({ status: 422, description: 'invalid request (problem+json names the field)' })
  preview(@Body() dto: PublishAlertDto, @Req() req: AuthedRequest): PreviewResult {
    return this.alerts.preview(dto, req.principal);
  }

  @Post('alerts/batch')
  @HttpCode(202)
  @Roles('publisher')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'repeat a batch safely: alerts already accepted under this key are answered as the first time, never queued twice',
  })
  @ApiOperation({
    summary: 'Publish many alerts in one request (a JSON array, or NDJSON: one alert per line)',
    description:
      'Each alert is validated and checked per recipient on its own and gets its own result, by index (from 0); a ' +
      'malformed or refused alert fails alone, naming its field. The accepted alerts, their outbox rows and log ' +
      'entries are committed in one transaction and produced together. At most MAX_BATCH_ALERTS (default 500) ' +
      'alerts and MAX_BATCH_BYTES (default 16 MiB) per request.',
  })
  @ApiConsumes('application/json', NDJSON)
  @ApiBody({
    schema: { type: 'array', items: { $ref: getSchemaPath(PublishAlertDto) } },
    description: `a JSON array of alerts as POST /v1/alerts takes them, or the same alerts one per line (${NDJSON})`,
  })
  @ApiResponse({
    status: 202,
    description:
      'one result per alert: ACCEPTED (id, threadId, recipients), REFUSED (every recipient refused) or INVALID ' +
      '(code, field, detail); with counts accepted, refused, invalid',
  })
  @ApiResponse({ status: 400, description: 'the body is not a JSON array (problem+json)' })
  @ApiResponse({ status: 413, description: 'more alerts or bytes than the limit (problem+json with limit)' })
  @ApiResponse({ status: 415, description: 'neither application/json nor application/x-ndjson' })
  async publishBatch(
    @Req() req: AuthedRequest & { body?: unknown },
    @Headers('content-type') contentType?: string,
    @Headers('Idempotency-Key') key?: string,
  ): Promise<BatchPublishResult> {
    checkIdempotencyKey(key);
    if (typeof req.body !== 'string') {
      throw problem(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `send the batch as application/json (an array) or ${NDJSON} (one alert per line)`,
        { field: 'Content-Type' },
      );
    }
    const items = parseBatch(req.body, contentType, this.config.http.maxBatchAlerts);
    return this.alerts.publishBatch({ items, principal: req.principal, idempotencyKey: key });
  }

  @Get('alerts/:id')
  @Roles('publisher', 'officer', 'auditor')
  @ApiOperation({ summary: 'A published alert with its per-recipient delivery, receipt and acknowledgement' })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<unknown> {
    return this.alerts.get(id);
  }

  @Put('alerts/:id')
  @HttpCode(202)
  @Roles('publisher')
  @ApiOperation({
    summary: 'Update an alert: the new version goes to every recipient (policy checked again)',
  })
  async update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateAlertDto,
    @Req() req: AuthedRequest,
  ): Promise<PublishResult> {
    return this.alerts.update({ id, dto, principal: req.principal });
  }

  @Post('alerts/:id/withdraw')
  @HttpCode(202)
  @Roles('publisher')
  @ApiOperation({ summary: 'Withdraw an alert: every recipient deletes its content and shows the notice' })
  async withdraw(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: WithdrawDto,
    @Req() req: AuthedRequest,
  ): Promise<PublishResult> {
    return this.alerts.withdraw({ id, reason: dto.reason, principal: req.principal });
  }

  @Get('outbox')
  @Roles('publisher', 'officer', 'auditor')
  @ApiOperation({ summary: 'Deliveries to partners, newest first; pass the last cursor to page' })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'recipient', required: false })
  @ApiQuery({
    name: 'kind',
    required: false,
    enum: ['ALERT', 'UPDATE', 'WITHDRAWAL', 'REPLY', 'ACKNOWLEDGEMENT', 'RECEIPT'],
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async outbox(
    @Query('status') status?: string,
    @Query('recipient') recipient?: string,
    @Query('kind') kind?: string,
    @Query('cursor', new DefaultValuePipe(0), ParseIntPipe) cursor?: number,
    @Query('limit', new DefaultValuePipe(50), ParseIntPipe) limit = 50,
  ): Promise<{ items: Delivery[]; nextCursor: number | null }> {
    if (status && !STATUSES.includes(status)) {
      throw problem(422, 'VALIDATION_FAILED', `status must be one of ${STATUSES.join(', ')}`, {
        field: 'status',
      });
    }
    const size = Math.min(Math.max(limit, 1), 500);
    const items = await this.alerts.deliveries({ status, recipient, kind, cursor, limit: size });
    const last = items.at(-1);
    return { items, nextCursor: items.length === size && last ? last.cursor : null };
  }
}

import {
  Body,
  Controller,
  DefaultValuePipe,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthedRequest, problem, Roles } from '@corridor/platform';
import {
  OUTBOX_STATUSES,
  PublishAlertDto,
  UpdateAlertDto,
  WithdrawDto,
  type Delivery,
  type PublishResult,
} from '@corridor/gateway-api';
import { AlertsService } from './alerts.service';

const STATUSES = OUTBOX_STATUSES;

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('v1')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

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
    if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) {
      throw problem(
        422,
        'IDEMPOTENCY_KEY_INVALID',
        'Idempotency-Key must be 1-200 visible ASCII characters',
        { field: 'Idempotency-Key' },
      );
    }
    return this.alerts.publish({ dto, principal: req.principal, idempotencyKey: key });
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

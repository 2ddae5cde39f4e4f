import {
  Body,
  Controller,
  DefaultValuePipe,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, MaxLength } from 'class-validator';
import { AuthedRequest, Roles } from '@corridor/platform';
import { ReplyDto, type DeskItem } from '@corridor/gateway-api';
import { InboxService } from './inbox.service';

export class DocumentCheckDto {
  @ApiPropertyOptional({ example: 'L898902C3' }) @IsOptional() @IsString() @MaxLength(20) number?: string;
  @ApiPropertyOptional({
    example: ['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<', 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(3)
  @IsString({ each: true })
  mrz?: string[];
}

export class AckResult {
  @ApiProperty() acknowledgedAt!: string;
  @ApiProperty() acknowledgedBy!: string;
}

@ApiTags('inbox')
@ApiBearerAuth()
@Controller('v1/inbox')
export class InboxController {
  constructor(private readonly inbox: InboxService) {}

  @Get()
  @Roles('officer')
  @ApiOperation({
    summary: 'Alerts received from partners within your scope, newest first (cursor = last seq)',
  })
  @ApiQuery({ name: 'category', required: false })
  @ApiQuery({ name: 'priority', required: false })
  @ApiQuery({ name: 'sender', required: false })
  @ApiQuery({ name: 'q', required: false, description: 'text in the title' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async list(
    @Req() req: AuthedRequest,
    @Query('category') category?: string,
    @Query('priority') priority?: string,
    @Query('sender') sender?: string,
    @Query('q') q?: string,
    @Query('cursor', new DefaultValuePipe(0), ParseIntPipe) cursor?: number,
    @Query('limit', new DefaultValuePipe(50), ParseIntPipe) limit = 50,
  ): Promise<{ items: DeskItem[]; nextCursor: number | null }> {
    const size = Math.min(Math.max(limit, 1), 500);
    const items = await this.inbox.list(req.principal, {
      category,
      priority,
      sender,
      q,
      cursor,
      limit: size,
    });
    return { items, nextCursor: items.length === size ? items[items.length - 1].inboxSeq : null };
  }

  @Get(':seq')
  @Roles('officer')
  @ApiOperation({ summary: 'Full content of one received alert (views of personal data are logged)' })
  async detail(
    @Req() req: AuthedRequest,
    @Param('seq', ParseIntPipe) seq: number,
  ): Promise<Record<string, unknown>> {
    return this.inbox.detail(req.principal, seq);
  }

  @Post(':seq/acknowledge')
  @HttpCode(200)
  @Roles('officer')
  @ApiOperation({ summary: 'Acknowledge: the originator receives a signed acknowledgement naming you' })
  async acknowledge(@Req() req: AuthedRequest, @Param('seq', ParseIntPipe) seq: number): Promise<AckResult> {
    return this.inbox.acknowledge(req.principal, seq);
  }

  @Post(':seq/reply')
  @HttpCode(202)
  @Roles('officer')
  @ApiOperation({ summary: 'Reply to the originator (threaded request for information)' })
  async reply(
    @Req() req: AuthedRequest,
    @Param('seq', ParseIntPipe) seq: number,
    @Body() dto: ReplyDto,
  ): Promise<{ replyId: string }> {
    return this.inbox.reply(req.principal, seq, dto.body);
  }
}

@ApiTags('inbox')
@ApiBearerAuth()
@Controller('v1/documents')
export class DocumentCheckController {
  constructor(private readonly inbox: InboxService) {}

  @Post('check')
  @HttpCode(200)
  @Roles('officer')
  @ApiOperation({ summary: 'Hit/no-hit of a document number or MRZ against received DOCUMENT alerts' })
  async check(@Req() req: AuthedRequest, @Body() dto: DocumentCheckDto): Promise<unknown> {
    return this.inbox.documentCheck(req.principal, dto);
  }
}

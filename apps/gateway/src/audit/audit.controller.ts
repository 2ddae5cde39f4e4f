import { Controller, DefaultValuePipe, Get, HttpCode, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AuditLeafSchema,
  AuditEvent,
  Category,
  enumName,
  fromBinary,
  SignedTreeHeadSchema,
  toBinary,
  TreeHeadSchema,
} from '@corridor/contracts';
import { mapInSlices, problem, Roles } from '@corridor/platform';
import { AuditLog } from './audit.log';

const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64');

/** For the secretariat's auditors: heads, proofs and leaf metadata. Leaves carry hashes, never content. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly log: AuditLog) {}

  @Get('head')
  @Roles('auditor')
  @ApiOperation({ summary: 'The newest signed tree head (made now if the log grew)' })
  async head(): Promise<{ sth: string; treeSize: number; rootHash: string }> {
    const sth = await this.log.publishHead();
    // Size and root come from the signed head itself, so they always match it.
    const head = fromBinary(TreeHeadSchema, sth.treeHead);
    return {
      sth: b64(toBinary(SignedTreeHeadSchema, sth)),
      treeSize: Number(head.treeSize),
      rootHash: b64(head.rootHash),
    };
  }

  @Post('heads')
  @HttpCode(200)
  @Roles('auditor')
  @ApiOperation({ summary: 'Sign and publish a head now' })
  async publish(): Promise<{ treeSize: number }> {
    await this.log.publishHead();
    return { treeSize: this.log.size };
  }

  @Get('proofs/inclusion')
  @Roles('auditor')
  async inclusion(
    @Query('index', ParseIntPipe) index: number,
    @Query('treeSize', ParseIntPipe) treeSize: number,
  ): Promise<{ proof: string[] }> {
    await this.log.catchUp();
    if (index < 0 || treeSize > this.log.size || index >= treeSize) {
      throw problem(422, 'OUT_OF_RANGE', `need 0 <= index < treeSize <= ${this.log.size}`, {
        field: 'index',
      });
    }
    return { proof: (await this.log.inclusionProof(index, treeSize)).map(b64) };
  }

  @Get('proofs/consistency')
  @Roles('auditor')
  async consistency(
    @Query('from', ParseIntPipe) from: number,
    @Query('to', ParseIntPipe) to: number,
  ): Promise<{ proof: string[] }> {
    await this.log.catchUp();
    if (from < 0 || from > to || to > this.log.size) {
      throw problem(422, 'OUT_OF_RANGE', `need 0 <= from <= to <= ${this.log.size}`, { field: 'from' });
    }
    return { proof: (await this.log.consistencyProof(from, to)).map(b64) };
  }

  @Get('leaves')
  @Roles('auditor')
  @ApiOperation({
    summary: 'Leaf metadata from an index (event, peer, message id, hashes, time): what reconciliation needs',
  })
  async leaves(
    @Query('from', new DefaultValuePipe(0), ParseIntPipe) from: number,
    @Query('limit', new DefaultValuePipe(1000), ParseIntPipe) limit: number,
  ) {
    const rows = await this.log.leaves(Math.max(0, from), Math.min(Math.max(1, limit), 10_000));
    // Decoded in slices: a page of thousands held the gateway's other requests for tens of milliseconds.
    return mapInSlices(rows, (r) => {
      let l;
      try {
        l = fromBinary(AuditLeafSchema, r.leaf);
      } catch {
        // A leaf that no longer decodes is served as stored: the auditor's hash check names it.
        return {
          index: r.index,
          event: 'MALFORMED',
          peer: '',
          messageId: '',
          alertId: '',
          category: '',
          atMs: 0,
          reasonCode: '',
          envelopeSha256: '',
          leaf: b64(r.leaf),
        };
      }
      return {
        index: r.index,
        event: enumName(AuditEvent, l.event),
        peer: l.peer,
        messageId: l.messageId,
        alertId: l.alertId,
        category: enumName(Category, l.category),
        atMs: Number(l.atMs),
        reasonCode: l.reasonCode,
        envelopeSha256: b64(l.envelopeSha256),
        leaf: b64(r.leaf),
      };
    });
  }

  @Get('export')
  @Roles('auditor')
  @ApiOperation({ summary: 'Every leaf and signed head, for offline verification (corridor audit verify)' })
  async export(): Promise<unknown> {
    await this.log.publishHead();
    return this.log.export();
  }
}

// socket.io namespace /desk: signed in at the handshake (SocketSignIn), live push of the officer's scope, resume
// without gap or duplicate, and the officer's actions acknowledged with a reason when refused.
import { Inject } from '@nestjs/common';
import {
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  MessageBody,
  ConnectedSocket,
} from '@nestjs/websockets';
import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import { hasRole, IdentityError } from '@corridor/identity';
import { loggerFor, ProblemException, ROOT_LOGGER } from '@corridor/platform';
import { InboxService } from '../inbox/inbox.service';
import { SignedInSocketData, SocketSignIn } from '../sockets/socket-sign-in';
import type {
  Ack,
  AlertVersion,
  ClientToServerEvents,
  DeskItem,
  DocumentCheckResult,
  PictureItem,
  SentAlert,
  ServerToClientEvents,
} from '@corridor/gateway-api';
import { DeskClient, DeskHub } from './desk.hub';
import { DeskViews } from './desk.views';

type DeskSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SignedInSocketData & { client: DeskClient }
>;

/** A refusal as a socket acknowledgement: the reason and code, never an internal error's text. */
export function failure(err: unknown): { ok: false; reason: string; code: string } {
  if (err instanceof ProblemException) {
    return { ok: false, reason: err.problem.detail ?? err.problem.title, code: err.problem.code ?? 'ERROR' };
  }
  if (err instanceof IdentityError) {
    return { ok: false, reason: err.message, code: err.code };
  }
  return {
    ok: false,
    reason: 'internal error; the operator can find it in the gateway log',
    code: 'INTERNAL',
  };
}

function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

@WebSocketGateway({ namespace: '/desk', cors: { origin: false }, maxHttpBufferSize: 64 * 1024 })
export class DeskGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer() server!: Namespace<ClientToServerEvents, ServerToClientEvents>;
  private readonly logger: Logger;

  constructor(
    private readonly hub: DeskHub,
    private readonly inbox: InboxService,
    private readonly views: DeskViews,
    private readonly signIn: SocketSignIn,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = loggerFor(root, DeskGateway);
  }

  afterInit(server: Namespace): void {
    this.signIn.guard(server, {
      namespace: '/desk',
      admit: (principal) => {
        if (!hasRole(principal, 'officer')) {
          throw new IdentityError('TOKEN_CLAIMS', 'the desk needs the officer role');
        }
        if (!principal.clearance || !principal.categories?.length) {
          throw new IdentityError('TOKEN_CLAIMS', 'an officer needs a clearance and at least one category');
        }
      },
    });
  }

  /** The hello waits until the hub pushes to this instance's desks (it listens only while desks are connected). */
  async handleConnection(socket: DeskSocket): Promise<void> {
    const principal = socket.data.principal;
    const client: DeskClient = {
      id: socket.id,
      principal,
      live: true,
      pending: [],
      sent: new Set(),
      emit: (item: DeskItem) => socket.emit('feed', item),
    };
    socket.data.client = client;
    this.hub.add(client);
    const syncing = this.hub.ready();
    if (syncing) {
      await syncing;
      if (socket.disconnected) {
        return;
      }
    }
    socket.emit('hello', {
      officer: principal.sub,
      country: principal.country,
      desk: principal.desk ?? null,
      clearance: principal.clearance ?? '',
      categories: principal.categories ?? [],
      latestSeq: this.hub.latest,
    });
  }

  handleDisconnect(socket: DeskSocket): void {
    this.hub.remove(socket.id);
  }

  @SubscribeMessage('resume')
  async resume(
    @ConnectedSocket() socket: DeskSocket,
    @MessageBody() req: { lastSeq?: unknown },
  ): Promise<Ack<{ replayed: number; latestSeq: number }>> {
    if (!isSeq(req?.lastSeq)) {
      return { ok: false, reason: 'lastSeq must be a non-negative integer', code: 'VALIDATION_FAILED' };
    }
    try {
      const replayed = await this.hub.resume(socket.data.client, req.lastSeq);
      return { ok: true, replayed, latestSeq: this.hub.latest };
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'resume failed');
      return failure(err);
    }
  }

  private async item(socket: DeskSocket, seq: unknown): Promise<DeskItem> {
    if (!isSeq(seq)) {
      throw new ProblemException({
        type: 'about:blank',
        title: 'VALIDATION_FAILED',
        status: 422,
        detail: 'seq must be a non-negative integer',
        code: 'VALIDATION_FAILED',
        field: 'seq',
      });
    }
    const found = await this.inbox.feedItem(seq);
    if (!found || !this.inbox.canSee(socket.data.principal, found.item)) {
      throw new ProblemException({
        type: 'about:blank',
        title: 'NOT_FOUND',
        status: 404,
        detail: `no feed item ${seq} within your scope`,
        code: 'NOT_FOUND',
        field: 'seq',
      });
    }
    return found.item;
  }

  @SubscribeMessage('detail')
  async detail(
    @ConnectedSocket() socket: DeskSocket,
    @MessageBody() req: { seq?: unknown },
  ): Promise<Ack<{ item: DeskItem; alert: Record<string, unknown> }>> {
    try {
      const item = await this.item(socket, req?.seq);
      return { ok: true, item, alert: await this.inbox.detail(socket.data.principal, item.inboxSeq) };
    } catch (err) {
      return failure(err);
    }
  }

  @SubscribeMessage('acknowledge')
  async acknowledge(
    @ConnectedSocket() socket: DeskSocket,
    @MessageBody() req: { seq?: unknown },
  ): Promise<Ack<{ acknowledgedAt: string; acknowledgedBy: string }>> {
    try {
      const item = await this.item(socket, req?.seq);
      return { ok: true, ...(await this.inbox.acknowledge(socket.data.principal, item.inboxSeq)) };
    } catch (err) {
      return failure(err);
    }
  }

  @SubscribeMessage('reply')
  async reply(
    @ConnectedSocket() socket: DeskSocket,
    @MessageBody() req: { seq?: unknown; body?: unknown },
  ): Promise<Ack<{ replyId: string }>> {
    try {
      if (typeof req?.body !== 'string' || req.body.trim().length === 0 || req.body.length > 5000) {
        return { ok: false, reason: 'body must be 1-5000 characters', code: 'VALIDATION_FAILED' };
      }
      const item = await this.item(socket, req.seq);
      return { ok: true, ...(await this.inbox.reply(socket.data.principal, item.inboxSeq, req.body)) };
    } catch (err) {
      return failure(err);
    }
  }

  @SubscribeMessage('documentCheck')
  async documentCheck(
    @ConnectedSocket() socket: DeskSocket,
    @MessageBody() req: { number?: unknown; mrz?: unknown },
  ): Promise<Ack<DocumentCheckResult>> {
    try {
      const number = typeof req?.number === 'string' && req.number.trim() ? req.number.trim() : undefined;
      const mrz =
        Array.isArray(req?.mrz) && req.mrz.every((l) => typeof l === 'string')
          ? req.mrz.filter((l: string) => l.trim())
          : undefined;
      return {
        ok: true,
        ...(await this.inbox.documentCheck(socket.data.principal, {
          number,
          mrz: mrz?.length ? mrz : undefined,
        })),
      };
    } catch (err) {
      return failure(err);
    }
  }

  @SubscribeMessage('sent')
  async sent(
    @ConnectedSocket() socket: DeskSocket,
    @MessageBody() req: { before?: unknown; limit?: unknown },
  ): Promise<Ack<{ alerts: SentAlert[] }>> {
    try {
      return { ok: true, alerts: await this.views.sent(socket.data.principal, req ?? {}) };
    } catch (err) {
      return failure(err);
    }
  }

  @SubscribeMessage('history')
  async history(
    @ConnectedSocket() socket: DeskSocket,
    @MessageBody() req: { origin?: unknown; alertId?: unknown },
  ): Promise<Ack<{ versions: AlertVersion[] }>> {
    try {
      return { ok: true, versions: await this.views.history(socket.data.principal, req ?? {}) };
    } catch (err) {
      return failure(err);
    }
  }

  @SubscribeMessage('picture')
  async picture(
    @ConnectedSocket() socket: DeskSocket,
    @MessageBody() req: { from?: unknown; to?: unknown },
  ): Promise<Ack<{ items: PictureItem[]; truncated: boolean }>> {
    try {
      return { ok: true, ...(await this.views.picture(socket.data.principal, req ?? {})) };
    } catch (err) {
      return failure(err);
    }
  }
}

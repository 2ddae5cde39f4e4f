// socket.io namespace /deliveries: an agency follows the delivery of its own alerts live. Signed in as the desk is
// (SocketSignIn: a bearer token as auth.token, or a publisher's session cookie from this gateway's own pages); a follow is
// answered with the deliveries now, then each committed change is pushed (DeliveriesHub, which listens to the
// database only while sockets are connected here).
import { Inject, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import { hasRole, IdentityError } from '@corridor/identity';
import { loggerFor, ROOT_LOGGER } from '@corridor/platform';
import {
  DELIVERIES_NAMESPACE,
  type Ack,
  type DeliveriesClientToServerEvents,
  type DeliveriesServerToClientEvents,
  type DeliveryUpdate,
} from '@corridor/gateway-api';
import { AlertsService } from '../alerts/alerts.service';
import { failure } from '../desk/desk.gateway';
import { SignedInSocketData, SocketSignIn } from '../sockets/socket-sign-in';
import { DeliveriesHub } from './deliveries.hub';

type DeliveriesSocket = Socket<
  DeliveriesClientToServerEvents,
  DeliveriesServerToClientEvents,
  Record<string, never>,
  SignedInSocketData
>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const roomOf = (alertId: string): string => `alert:${alertId.toLowerCase()}`;

@WebSocketGateway({ namespace: DELIVERIES_NAMESPACE, cors: { origin: false }, maxHttpBufferSize: 8 * 1024 })
export class DeliveriesGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnApplicationShutdown
{
  @WebSocketServer() server!: Namespace<DeliveriesClientToServerEvents, DeliveriesServerToClientEvents>;
  private readonly logger: Logger;

  constructor(
    private readonly hub: DeliveriesHub,
    private readonly alerts: AlertsService,
    private readonly signIn: SocketSignIn,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = loggerFor(root, DeliveriesGateway);
  }

  onModuleInit(): void {
    this.hub.on('changed', (ids) => void this.push(ids));
    this.hub.start();
  }

  /** A signed-in page (the sign-in middleware refused the others): changes are heard while it is here. */
  handleConnection(): void {
    this.hub.retain();
  }

  handleDisconnect(): void {
    this.hub.release();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.hub.stop();
  }

  afterInit(server: Namespace): void {
    this.signIn.guard(server, {
      namespace: DELIVERIES_NAMESPACE,
      admit: (principal) => {
        if (!hasRole(principal, 'publisher')) {
          throw new IdentityError('TOKEN_CLAIMS', 'following deliveries needs the publisher role');
        }
      },
    });
  }

  @SubscribeMessage('follow')
  async follow(
    @ConnectedSocket() socket: DeliveriesSocket,
    @MessageBody() req: { alertId?: unknown },
  ): Promise<Ack<DeliveryUpdate>> {
    const alertId = req?.alertId;
    if (typeof alertId !== 'string' || !UUID.test(alertId)) {
      return { ok: false, reason: 'alertId must be a UUID', code: 'VALIDATION_FAILED' };
    }
    try {
      // Listening, then joined, before reading: a change committed in between is pushed, not lost.
      await this.alerts.requireOwnAgency({ alertId, principal: socket.data.principal });
      await this.hub.ready();
      await socket.join(roomOf(alertId));
      const deliveries = await this.alerts.deliveries({ alertId, limit: 500 });
      return { ok: true, alertId, deliveries };
    } catch (err) {
      await socket.leave(roomOf(alertId));
      return failure(err);
    }
  }

  @SubscribeMessage('unfollow')
  async unfollow(@ConnectedSocket() socket: DeliveriesSocket, @MessageBody() req: { alertId?: unknown }) {
    if (typeof req?.alertId === 'string') {
      await socket.leave(roomOf(req.alertId));
    }
  }

  /** Each changed alert someone here follows: its deliveries, to this instance's followers only. */
  private async push(alertIds: string[]): Promise<void> {
    for (const alertId of alertIds) {
      const room = roomOf(alertId);
      if (!this.server.adapter.rooms.get(room)?.size) {
        continue;
      }
      try {
        const deliveries = await this.alerts.deliveries({ alertId, limit: 500 });
        this.server.local.to(room).emit('deliveries', { alertId, deliveries });
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, alert: alertId }, 'deliveries not pushed');
      }
    }
  }
}

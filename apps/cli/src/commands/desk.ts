// corridor desk tail: a liaison desk's live feed in a terminal, over the same socket.io protocol as the web
// desk. Items arrive once and in order: after a reconnect the feed resumes after the last printed seq.
import type { Command } from 'commander';
import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, DeskHello, DeskItem, ServerToClientEvents } from '@corridor/gateway-api';
import { act, gatewayOptions, parseNonNegativeInt, parsePositiveInt } from '../command-kit';
import { CliError, EXIT_FAILURE, oneLine, operationalError } from '../errors';
import { Output } from '../output';
import { gatewayToken, gatewayUrl } from '../settings';

interface TailOptions {
  gateway?: string;
  token?: string;
  from?: number;
  count?: number;
  connectTimeout: number;
}

type DeskSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

function formatItem(item: DeskItem): string {
  const event = item.event === 'ALERT' ? '' : `[${item.event}] `;
  const title =
    item.event === 'REPLY' && item.reply
      ? `reply: ${item.reply.body}`
      : (item.title ?? `(${item.state.toLowerCase()})`);
  return [
    String(item.seq).padStart(6),
    item.priority.padEnd(9),
    item.category.padEnd(19),
    item.sender,
    `${event}${oneLine(title)}`,
  ].join('  ');
}

function notice(text: string): void {
  // Progress for a human watching; kept off stderr when it is not a terminal so scripts see errors only.
  if (process.stderr.isTTY) {
    process.stderr.write(`# ${text}\n`);
  }
}

/** Runs until --count items were printed, SIGINT/SIGTERM, or a refusal; rejects with the one-line reason. */
async function tail(out: Output, opts: TailOptions): Promise<void> {
  const base = gatewayUrl(opts);
  const { token } = gatewayToken(opts);
  const { io } = await import('socket.io-client');
  const socket: DeskSocket = io(`${base}/desk`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    timeout: opts.connectTimeout * 1000,
  });

  let lastSeq: number | undefined = opts.from === undefined ? undefined : Math.max(0, opts.from - 1);
  let printed = 0;
  let everConnected = false;
  /** Items that arrive between (re)connecting and the resume answer: sorted and deduplicated then. */
  let held: DeskItem[] | undefined = [];

  return new Promise<void>((resolve, reject) => {
    const firstConnectDeadline = setTimeout(() => {
      finish(
        operationalError(
          `no desk connection to ${base} within ${opts.connectTimeout} s`,
          'check --gateway and that the gateway is running',
        ),
      );
    }, opts.connectTimeout * 1000);

    const finish = (err?: Error): void => {
      clearTimeout(firstConnectDeadline);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      socket.removeAllListeners();
      socket.close();
      if (err) {
        reject(err);
      } else {
        resolve();
      }
    };
    const stop = (): void => finish();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);

    const emit = (item: DeskItem): void => {
      if (lastSeq !== undefined && item.seq <= lastSeq) {
        return;
      }
      lastSeq = item.seq;
      if (out.json) {
        process.stdout.write(`${JSON.stringify(item)}\n`);
      } else {
        process.stdout.write(`${formatItem(item)}\n`);
      }
      printed += 1;
      if (opts.count !== undefined && printed >= opts.count) {
        finish();
      }
    };

    socket.on('hello', (hello: DeskHello) => {
      everConnected = true;
      clearTimeout(firstConnectDeadline);
      // First connection without --from: live items only, from the gateway's latest seq.
      lastSeq ??= hello.latestSeq;
      held = held ?? [];
      notice(
        `connected to ${hello.country} desk as ${hello.officer} (clearance ${hello.clearance}, ${hello.categories.join(', ')}); resuming after seq ${lastSeq}`,
      );
      socket.emit('resume', { lastSeq }, (res) => {
        if (!res.ok) {
          finish(
            operationalError(
              `the gateway refused to resume the feed: ${res.reason} [${res.code}]`,
              'try again',
            ),
          );
          return;
        }
        const pending = (held ?? []).sort((a, b) => a.seq - b.seq);
        held = undefined;
        for (const item of pending) {
          emit(item);
        }
      });
    });

    socket.on('feed', (item: DeskItem) => {
      if (held) {
        held.push(item);
      } else {
        emit(item);
      }
    });

    socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
      if (err.data?.code) {
        // Refused by the gateway at the handshake (token): socket.io does not retry this, and neither do we.
        finish(
          new CliError(
            `the gateway refused the desk connection: ${oneLine(err.message)} [${err.data.code}] — use an officer token with a clearance and categories, issued for this gateway (--token or CORRIDOR_TOKEN)`,
            EXIT_FAILURE,
          ),
        );
        return;
      }
      if (!everConnected) {
        finish(
          operationalError(
            `cannot reach the gateway desk at ${base} (${oneLine(err.message)})`,
            'check --gateway and that the gateway is running',
          ),
        );
      }
    });

    socket.on('disconnect', (reason) => {
      held = [];
      if (reason === 'io server disconnect') {
        finish(operationalError('the gateway closed the desk connection', 'check the token and reconnect'));
        return;
      }
      notice(`disconnected (${reason}); reconnecting and resuming after seq ${lastSeq ?? 0}…`);
    });
  });
}

export function registerDesk(program: Command): void {
  const desk = program.command('desk').description("a liaison desk's live feed in the terminal");
  gatewayOptions(
    desk
      .command('tail')
      .description(
        'print the feed one line per item (seq, priority, category, sender, title); --json for JSON lines',
      )
      .option(
        '--from <seq>',
        'replay the feed from this seq first (default: only new items)',
        parseNonNegativeInt,
      )
      .option('--count <n>', 'exit after this many items', parsePositiveInt)
      .option(
        '--connect-timeout <seconds>',
        'give up if the first connection takes longer',
        parsePositiveInt,
        15,
      ),
  )
    .addHelpText(
      'after',
      '\nThe token must carry the officer role, a clearance and categories. Ctrl-C exits 0.',
    )
    .action(act<TailOptions>(tail));
}

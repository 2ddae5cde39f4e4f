// corridor status: health of the secretariat and gateways (database, Kafka) and, with a token, a gateway's
// consumer lag and outbox depth from its Prometheus metrics.
import type { Command } from 'commander';
import { act, parseList } from '../command-kit';
import { operationalError, usageError } from '../errors';
import { table } from '../output';
import { Remote } from '../remote';
import { ENV, parseServiceUrl, pickToken } from '../settings';

interface StatusOptions {
  gateway?: string[];
  secretariat?: string;
  token?: string;
}

interface ServiceStatus {
  service: 'secretariat' | 'gateway';
  url: string;
  status: string;
  database?: string;
  kafka?: string;
  consumerLag?: number;
  outboxDepth?: number;
  metrics?: string;
}

/** The value of an unlabelled (or summed labelled) Prometheus sample. */
function metric(text: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
      const v = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (Number.isFinite(v)) {
        sum = (sum ?? 0) + v;
      }
    }
  }
  return sum;
}

async function probe(
  service: ServiceStatus['service'],
  url: string,
  token: string | undefined,
): Promise<ServiceStatus> {
  const remote = new Remote(service, url, token ? { token, source: '--token' } : undefined);
  const result: ServiceStatus = { service, url, status: 'unreachable' };
  try {
    const res = await remote.send({ method: 'GET', path: '/health' });
    const body = (await res.json().catch(() => ({}))) as {
      status?: string;
      database?: string;
      kafka?: string;
    };
    result.status = body.status ?? `HTTP ${res.status}`;
    result.database = body.database;
    result.kafka = body.kafka;
  } catch {
    return result;
  }
  if (service === 'gateway' && token) {
    try {
      const text = await remote.call<string>({ method: 'GET', path: '/metrics', text: true });
      result.consumerLag = metric(text, 'corridor_consumer_lag');
      result.outboxDepth = metric(text, 'corridor_outbox_depth');
    } catch (err) {
      result.metrics =
        err instanceof Error && 'status' in err ? `refused (${String(err.status)})` : 'unavailable';
    }
  }
  return result;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('health of the secretariat and gateways; with a token also consumer lag and outbox depth')
    .option('--gateway <url,url>', `gateway base URLs, comma-separated (env ${ENV.gatewayUrl})`, parseList)
    .option('--secretariat <url>', `secretariat base URL (env ${ENV.secretariatUrl})`)
    .option('--token <token>', `admin or auditor token of the gateway(s), for /metrics (env ${ENV.token})`)
    .action(
      act<StatusOptions>(async (out, opts) => {
        const gateways = (opts.gateway ?? parseList(process.env[ENV.gatewayUrl] ?? '')).map((u) =>
          parseServiceUrl(u, '--gateway'),
        );
        const secretariatValue = opts.secretariat ?? process.env[ENV.secretariatUrl]?.trim();
        const secretariat = secretariatValue ? parseServiceUrl(secretariatValue, '--secretariat') : undefined;
        if (!gateways.length && !secretariat) {
          throw usageError(
            'nothing to check',
            `pass --gateway URL[,URL…] and/or --secretariat URL (or set ${ENV.gatewayUrl} / ${ENV.secretariatUrl})`,
          );
        }
        const token = pickToken([
          { value: opts.token, source: '--token' },
          { value: process.env[ENV.token], source: ENV.token },
        ])?.token;
        const results = await Promise.all([
          ...(secretariat ? [probe('secretariat', secretariat, undefined)] : []),
          ...gateways.map((g) => probe('gateway', g, token)),
        ]);
        const show = (v: number | undefined): string => (v === undefined ? '-' : String(v));
        out.result(
          table(
            ['SERVICE', 'URL', 'STATUS', 'DATABASE', 'KAFKA', 'LAG', 'OUTBOX'],
            results.map((r) => [
              r.service,
              r.url,
              r.status,
              r.database ?? '-',
              r.kafka ?? '-',
              r.metrics ?? show(r.consumerLag),
              r.metrics ? '-' : show(r.outboxDepth),
            ]),
          ),
          { ok: results.every((r) => r.status === 'up'), services: results },
        );
        const down = results.filter((r) => r.status !== 'up');
        if (down.length) {
          throw operationalError(
            `${down.length} of ${results.length} services not healthy: ${down.map((r) => `${r.url} ${r.status}`).join(', ')}`,
            'see the table above and the service logs',
          );
        }
      }),
    );
}

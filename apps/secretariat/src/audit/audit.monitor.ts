// The secretariat's audit monitor: checks every signed tree head a gateway publishes (signature, no rollback,
// no fork), mirrors each log's leaf metadata and hashes (never content), and reconciles every pair of gateways.
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import {
  AuditEvent,
  AuditLeafSchema,
  Category,
  create,
  enumName,
  fromBinary,
  SignedTreeHead,
  SignedTreeHeadSchema,
  toBinary,
  TreeHead,
} from '@corridor/contracts';
import { checkHeadProgression, leafHashOf, MerkleTree, verifyTreeHead } from '@corridor/audit-log';
import { ConsumerHandle, KafkaClient, problem, updatedRows } from '@corridor/platform';

export type FindingKind =
  | 'BAD_HEAD_SIGNATURE'
  | 'ROLLBACK'
  | 'FORK'
  | 'TIME_REGRESSION'
  | 'LOG_MISMATCH'
  | 'UNMATCHED_SENT'
  | 'MISSING_RECEIPT'
  | 'UNMATCHED_RECEIVED'
  | 'GATEWAY_UNREACHABLE';

interface Endpoint {
  country: string;
  url: string;
  auditor_token: string;
}

interface LeafDto {
  index: number;
  event: string;
  peer: string;
  messageId: string;
  category: string;
  atMs: number;
  reasonCode: string;
  leaf: string;
}

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

/** Events at the receiving gateway that show a message arrived there. */
const ARRIVALS = `'RECEIVED', 'REJECTED', 'WITHDRAWN', 'REPLIED', 'ACKNOWLEDGED', 'RECEIPT'`;

/** SQL over a row alias: does this event wait for a counterpart (a SENT of an exchange, not of a receipt, or a RECEIVED)? */
function awaitsCounterpart(row: string): string {
  return `((${row}.event = 'SENT' and coalesce(${row}.reason_code, '') <> 'RECEIPT') or ${row}.event = 'RECEIVED')`;
}

/** Leaves mirrored per insert statement. */
const MIRROR_INSERT_CHUNK = 1000;

/**
 * Leaves asked of a gateway per request (its default page): a gateway decodes a page between its other requests, so
 * a smaller page holds them for less; 5,000 held a gateway's checks for tens of milliseconds at each head.
 */
const LEAF_PAGE = 1000;

export class AuditMonitor {
  private consumer?: ConsumerHandle;
  private readonly mirrors = new Map<string, MerkleTree>();
  private timer?: NodeJS.Timeout;
  private busy?: Promise<void>;

  constructor(
    private readonly ds: DataSource,
    private readonly kafka: KafkaClient,
    private readonly opts: {
      headsTopic: string;
      groupId: string;
      boundMs: number;
      intervalMs: number;
      certFor: (country: string, fingerprint: string) => Promise<string | undefined>;
    },
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.loadMirrors();
    this.consumer = await this.kafka.consume({
      groupId: this.opts.groupId,
      topics: [this.opts.headsTopic],
      fromBeginning: true,
      handleBatch: async (records) => {
        for (const r of records) {
          let sth: SignedTreeHead;
          try {
            sth = fromBinary(SignedTreeHeadSchema, r.value);
          } catch {
            this.logger.warn({ offset: r.offset }, 'undecodable tree head ignored');
            continue;
          }
          await this.onHead(r.key ?? '', sth);
        }
      },
    });
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.busy;
    if (this.consumer) {
      await this.kafka.stopConsumer(this.consumer);
    }
  }

  private tick(): void {
    if (this.busy) {
      return;
    }
    this.busy = this.reconcile()
      .catch((err: unknown) =>
        this.logger.warn({ err: (err as Error).message }, 'reconciliation pass failed; will retry'),
      )
      .finally(() => {
        this.busy = undefined;
      });
  }

  /** Rebuilds the mirror trees from stored leaf hashes: a restarted secretariat resumes where it was. */
  private async loadMirrors(): Promise<void> {
    const rows = await this.ds.query<{ gateway: string; leaf_hash: Buffer }[]>(
      'select gateway, leaf_hash from audit_events order by gateway, idx',
    );
    for (const r of rows) {
      this.mirror(r.gateway).append(r.leaf_hash);
    }
  }

  private mirror(gateway: string): MerkleTree {
    let t = this.mirrors.get(gateway);
    if (!t) {
      t = new MerkleTree();
      this.mirrors.set(gateway, t);
    }
    return t;
  }

  async registerEndpoint(country: string, url: string, auditorToken: string): Promise<void> {
    await this.ds.query(
      `insert into gateway_endpoints (country, url, auditor_token) values ($1, $2, $3)
       on conflict (country) do update set url = $2, auditor_token = $3, updated_at = now()`,
      [country, url, auditorToken],
    );
  }

  private async endpoint(country: string): Promise<Endpoint | undefined> {
    const rows = await this.ds.query<Endpoint[]>('select * from gateway_endpoints where country = $1', [
      country,
    ]);
    return rows[0];
  }

  private async call<T>(ep: Endpoint, route: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${ep.url}${route}`, { headers: { authorization: `Bearer ${ep.auditor_token}` } });
    } catch (err) {
      throw problem(
        502,
        'GATEWAY_UNREACHABLE',
        `${ep.country} at ${ep.url} does not answer (${(err as Error).message}): check it is running`,
      );
    }
    if (!res.ok) {
      throw problem(
        502,
        'GATEWAY_ERROR',
        `${ep.country} answered ${res.status} to ${route.split('?')[0]}: see that gateway's log`,
      );
    }
    return (await res.json()) as T;
  }

  async finding(
    kind: FindingKind,
    gateway: string,
    detail: string,
    peer?: string,
    messageId?: string,
  ): Promise<void> {
    const rows = await this.ds.query<{ id: string }[]>(
      `insert into findings (kind, gateway, peer, message_id, detail) values ($1, $2, $3, $4, $5)
       on conflict do nothing returning id`,
      [kind, gateway, peer ?? null, messageId ?? null, detail],
    );
    if (rows.length) {
      this.logger.warn({ finding: kind, gateway, peer, messageId, detail }, 'audit finding opened');
    }
  }

  /** A head from the heads topic: signature, progression from the last accepted head, then the new leaves. */
  async onHead(gatewayKey: string, sth: SignedTreeHead): Promise<void> {
    const fingerprint = sth.certFingerprint;
    let head: TreeHead | undefined;
    const claimed = gatewayKey || 'UNKNOWN';
    const cert = await this.opts.certFor(claimed, fingerprint);
    try {
      if (!cert) {
        throw new Error('unknown certificate');
      }
      head = verifyTreeHead({ sth, certPem: cert });
    } catch (err) {
      await this.finding(
        'BAD_HEAD_SIGNATURE',
        claimed,
        `tree head does not verify: ${(err as Error).message}`,
      );
      return;
    }
    if (head.gateway !== claimed) {
      await this.finding(
        'BAD_HEAD_SIGNATURE',
        claimed,
        `head names ${head.gateway}, published under ${claimed}`,
      );
      return;
    }
    const gw = head.gateway;
    const last = await this.ds.query<{ sth: Buffer }[]>(
      'select sth from tree_heads where gateway = $1 order by tree_size desc, received_at desc limit 1',
      [gw],
    );
    const newSize = Number(head.treeSize);
    if (last[0]) {
      const prevSth = fromBinary(SignedTreeHeadSchema, last[0].sth);
      const previous = verifyTreeHead({
        sth: prevSth,
        certPem: (await this.opts.certFor(gw, prevSth.certFingerprint)) ?? cert,
      });
      const oldSize = Number(previous.treeSize);
      let proof: Uint8Array[] = [];
      if (oldSize > 0 && newSize > oldSize) {
        const ep = await this.endpoint(gw);
        if (!ep) {
          return; // no way to ask for a proof yet: keep the head for when the endpoint is registered
        }
        try {
          proof = (
            await this.call<{ proof: string[] }>(
              ep,
              `/v1/audit/proofs/consistency?from=${oldSize}&to=${newSize}`,
            )
          ).proof.map(b64);
        } catch (err) {
          await this.finding('GATEWAY_UNREACHABLE', gw, `no consistency proof: ${(err as Error).message}`);
          return;
        }
      }
      const progression = checkHeadProgression({ previous, next: head, consistencyProof: proof });
      if (!progression.ok) {
        const kind: FindingKind =
          progression.alarm === 'ROLLBACK' ||
          progression.alarm === 'FORK' ||
          progression.alarm === 'TIME_REGRESSION'
            ? progression.alarm
            : 'FORK';
        await this.finding(kind, gw, progression.message);
        return;
      }
    }
    await this.ds.query(
      'insert into tree_heads (gateway, tree_size, root_hash, timestamp_ms, sth) values ($1, $2, $3, $4, $5) on conflict do nothing',
      [
        gw,
        newSize,
        Buffer.from(head.rootHash),
        Number(head.timestampMs),
        Buffer.from(toBinary(SignedTreeHeadSchema, sth)),
      ],
    );
    await this.mirrorLeaves(gw, newSize, head.rootHash);
  }

  /** Fetches leaves up to the head and checks the mirror's root equals the signed root. */
  private async mirrorLeaves(gw: string, size: number, root: Uint8Array): Promise<void> {
    const ep = await this.endpoint(gw);
    const tree = this.mirror(gw);
    if (!ep || tree.size >= size) {
      return;
    }
    const pending: LeafDto[] = [];
    while (tree.size + pending.length < size) {
      const batch = await this.call<LeafDto[]>(
        ep,
        `/v1/audit/leaves?from=${tree.size + pending.length}&limit=${LEAF_PAGE}`,
      );
      if (batch.length === 0) {
        break;
      }
      pending.push(...batch.slice(0, size - tree.size - pending.length));
    }
    const hashes = pending.map((l) => leafHashOf(b64(l.leaf)));
    // Checked on a copy: the mirror only takes leaves that rebuild the signed root.
    const candidate = tree.clone();
    hashes.forEach((h) => candidate.append(h));
    if (candidate.size < size || !Buffer.from(candidate.rootAt(size)).equals(Buffer.from(root))) {
      await this.finding(
        'LOG_MISMATCH',
        gw,
        `leaves served by ${gw} do not rebuild its signed head at size ${size}`,
      );
      return;
    }
    // One statement per chunk of leaves, not one per leaf: at a busy gateway's pace (several leaves per alert) the
    // per-statement cost was most of the secretariat's database CPU.
    await this.ds.transaction(async (em) => {
      for (let from = 0; from < pending.length; from += MIRROR_INSERT_CHUNK) {
        const chunk = pending.slice(from, from + MIRROR_INSERT_CHUNK);
        const leaves = chunk.map((l) => {
          try {
            return fromBinary(AuditLeafSchema, b64(l.leaf));
          } catch {
            return create(AuditLeafSchema, {});
          }
        });
        await em.query(
          `insert into audit_events (gateway, idx, event, peer, message_id, category, reason_code, at_ms, leaf_hash, settled)
           select $1, v.idx, v.event, v.peer, v.message_id, v.category, v.reason_code, v.at_ms, v.leaf_hash,
                  not ${awaitsCounterpart('v')}
           from unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bytea[])
             as v(idx, event, peer, message_id, category, reason_code, at_ms, leaf_hash)
           on conflict do nothing`,
          [
            gw,
            chunk.map((l) => l.index),
            leaves.map((leaf) => enumName(AuditEvent, leaf.event)),
            leaves.map((leaf) => leaf.peer || null),
            leaves.map((leaf) => leaf.messageId || null),
            leaves.map((leaf) => enumName(Category, leaf.category)),
            leaves.map((leaf) => leaf.reasonCode || null),
            leaves.map((leaf) => Number(leaf.atMs)),
            chunk.map((_, i) => Buffer.from(hashes[from + i])),
          ],
        );
      }
    });
    this.mirrors.set(gw, candidate);
  }

  /**
   * Re-reads a gateway's whole log and compares it leaf by leaf with what was mirrored under signed heads:
   * a row changed or deleted in its database shows up as the first index that differs.
   */
  async reaudit(gw: string): Promise<{ ok: boolean; firstBadIndex?: number; detail: string }> {
    const ep = await this.endpoint(gw);
    if (!ep) {
      throw problem(404, 'GATEWAY_UNKNOWN', `no endpoint registered for ${gw}`, { field: 'country' });
    }
    const tree = this.mirror(gw);
    for (let from = 0; from < tree.size;) {
      const batch = await this.call<LeafDto[]>(ep, `/v1/audit/leaves?from=${from}&limit=${LEAF_PAGE}`);
      if (batch.length === 0) {
        const detail = `leaf ${from} is missing: ${gw} serves ${from} of the ${tree.size} leaves it signed`;
        await this.finding('LOG_MISMATCH', gw, detail);
        return { ok: false, firstBadIndex: from, detail };
      }
      for (const [i, l] of batch.entries()) {
        const index = from + i;
        if (index >= tree.size) {
          break;
        }
        if (
          l.index !== index ||
          !Buffer.from(leafHashOf(b64(l.leaf))).equals(Buffer.from(tree.leafHash(index)))
        ) {
          const detail =
            l.index !== index
              ? `leaf ${index} is missing (next served is ${l.index})`
              : `leaf ${index} differs from the one ${gw} signed`;
          await this.finding('LOG_MISMATCH', gw, detail);
          return { ok: false, firstBadIndex: index, detail };
        }
      }
      from += batch.length;
    }
    return { ok: true, detail: `${tree.size} leaves match the signed heads` };
  }

  /**
   * Pairs: every SENT at A towards B has an arrival at B (RECEIVED, REJECTED or another accepted kind) and a
   * RECEIPT at A within the bound; every RECEIVED at B has a SENT at A. Findings close when the match appears.
   */
  async reconcile(): Promise<void> {
    const bound = this.opts.boundMs;
    const now = Date.now();
    // Matched exchanges are settled once and never read again (the logs are append-only): each pass below reads
    // only the unsettled rows, through a partial index, however long the logs grow.
    await this.ds.query(
      `update audit_events s set settled = true
       where not s.settled and (
         (s.event = 'SENT' and coalesce(s.reason_code, '') <> 'RECEIPT'
          and exists (select 1 from audit_events r where r.gateway = s.peer and r.peer = s.gateway and r.message_id = s.message_id
                      and r.event in (${ARRIVALS}))
          and exists (select 1 from audit_events r where r.gateway = s.gateway and r.event = 'RECEIPT' and r.message_id = s.message_id))
         or (s.event = 'RECEIVED'
          and exists (select 1 from audit_events x where x.gateway = s.peer and x.peer = s.gateway and x.event = 'SENT' and x.message_id = s.message_id)))`,
    );
    const unmatchedSent = await this.ds.query<{ gateway: string; peer: string; message_id: string }[]>(
      `select s.gateway, s.peer, s.message_id from audit_events s
       where not s.settled and s.event = 'SENT' and coalesce(s.reason_code, '') <> 'RECEIPT' and s.at_ms < $1
         and exists (select 1 from gateway_endpoints e where e.country = s.peer)
         and not exists (select 1 from audit_events r where r.gateway = s.peer and r.peer = s.gateway and r.message_id = s.message_id
                         and r.event in (${ARRIVALS}))`,
      [now - bound],
    );
    for (const r of unmatchedSent) {
      await this.finding(
        'UNMATCHED_SENT',
        r.gateway,
        `${r.gateway} logged SENT of ${r.message_id} to ${r.peer}; ${r.peer} logged no arrival within ${bound} ms`,
        r.peer,
        r.message_id,
      );
    }
    const missingReceipt = await this.ds.query<{ gateway: string; peer: string; message_id: string }[]>(
      `select s.gateway, s.peer, s.message_id from audit_events s
       where not s.settled and s.event = 'SENT' and coalesce(s.reason_code, '') <> 'RECEIPT' and s.at_ms < $1
         and not exists (select 1 from audit_events r where r.gateway = s.gateway and r.event = 'RECEIPT' and r.message_id = s.message_id)`,
      [now - bound],
    );
    for (const r of missingReceipt) {
      await this.finding(
        'MISSING_RECEIPT',
        r.gateway,
        `${r.gateway} has no signed receipt from ${r.peer} for ${r.message_id} within ${bound} ms`,
        r.peer,
        r.message_id,
      );
    }
    const unmatchedReceived = await this.ds.query<{ gateway: string; peer: string; message_id: string }[]>(
      `select r.gateway, r.peer, r.message_id from audit_events r
       where not r.settled and r.event = 'RECEIVED' and r.at_ms < $1
         and exists (select 1 from gateway_endpoints e where e.country = r.peer)
         and not exists (select 1 from audit_events s where s.gateway = r.peer and s.peer = r.gateway and s.event = 'SENT' and s.message_id = r.message_id)`,
      [now - bound],
    );
    for (const r of unmatchedReceived) {
      await this.finding(
        'UNMATCHED_RECEIVED',
        r.gateway,
        `${r.gateway} logged RECEIVED of ${r.message_id} from ${r.peer}; ${r.peer} logged no SENT`,
        r.peer,
        r.message_id,
      );
    }
    // Close what has been matched since.
    await this.ds.query(
      `update findings f set state = 'CLOSED', closed_at = now(), explanation = coalesce(f.explanation, 'matched later')
       where f.state <> 'CLOSED' and (
         (f.kind = 'UNMATCHED_SENT' and exists (select 1 from audit_events r where r.gateway = f.peer and r.peer = f.gateway and r.message_id = f.message_id
                                                 and r.event in (${ARRIVALS})))
         or (f.kind = 'MISSING_RECEIPT' and exists (select 1 from audit_events r where r.gateway = f.gateway and r.event = 'RECEIPT' and r.message_id = f.message_id))
         or (f.kind = 'UNMATCHED_RECEIVED' and exists (select 1 from audit_events s where s.gateway = f.peer and s.peer = f.gateway and s.event = 'SENT' and s.message_id = f.message_id)))`,
    );
  }

  async findings(state?: string): Promise<unknown[]> {
    return this.ds.query(
      `select id, kind, gateway, peer, message_id as "messageId", detail, state, explanation, opened_at as "openedAt", closed_at as "closedAt"
       from findings where ($1::text is null or state = $1) order by id desc limit 1000`,
      [state ?? null],
    );
  }

  async explain(id: number, explanation: string, close: boolean): Promise<unknown> {
    const rows = updatedRows(
      await this.ds.query(
        `update findings set explanation = $2, state = case when $3 then 'CLOSED' else 'EXPLAINED' end,
                closed_at = case when $3 then now() else closed_at end where id = $1 returning id, kind, state, explanation`,
        [id, explanation, close],
      ),
    );
    if (!rows.length) {
      throw problem(404, 'FINDING_NOT_FOUND', `no finding ${id}`, { field: 'id' });
    }
    return rows[0];
  }

  async heads(): Promise<unknown[]> {
    return this.ds.query(
      `select distinct on (gateway) gateway, tree_size as "treeSize", encode(root_hash, 'hex') as "rootHash", timestamp_ms as "timestampMs", received_at as "receivedAt"
       from tree_heads order by gateway, tree_size desc, received_at desc`,
    );
  }

  /** Content-free statistics for the forum's research: exchanges per corridor, category and month. */
  async statistics(): Promise<unknown[]> {
    return this.ds.query(
      `select gateway as "from", peer as "to", category, to_char(to_timestamp(at_ms / 1000.0), 'YYYY-MM') as month, count(*)::int as exchanges
       from audit_events where event = 'SENT' and coalesce(reason_code, '') in ('ALERT', 'UPDATE')
       group by 1, 2, 3, 4 order by 4, 1, 2, 3`,
    );
  }
}

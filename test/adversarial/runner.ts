// Sends generated hostile envelopes from a partner (its real key and principal) to a receiver, in rounds, each
// followed on the same partition by a valid canary alert, and checks four things for every envelope:
//   1. it is quarantined with a reason, or applied within the agreement (a leaf of the receiver's log names it);
//   2. no other party's data changed (the receiver's rows of other countries, before and after);
//   3. the partition keeps flowing (each round's canary reaches the inbox within the bound);
//   4. the receiver stays healthy (/health answers 200 after every round).
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import {
  AuditEvent,
  AuditLeafSchema,
  CLASSIFICATION_NAMES,
  enumName,
  fromBinary,
  MessageKind,
} from '@corridor/contracts';
import { Network } from '../../scripts/lib/network';
import { bulletinProto } from '../factories/proto-alerts';
import { sql } from '../harness/databases';
import { hostileCases, World } from './generators';
import { HostilePartner, messageOf, Sealed } from './partner';

/** Kafka's default message.max.bytes is 1 MB: what cannot be produced at all is not a case. */
const PRODUCIBLE_BYTES = 900_000;

export interface AdversarialReport {
  sent: number;
  /** outcome per envelope, by the receiver's log: REJECTED:<reason> or APPLIED:<event> */
  outcomes: Record<string, number>;
  /** by message kind generated */
  kinds: Record<string, number>;
  /** how long each round's canary took to reach the inbox after the round was produced */
  canaryMs: number[];
  /** every broken property, described; empty when all four held for every envelope */
  violations: string[];
  rounds: number;
}

/** A fingerprint of everything the receiver holds of other parties, to prove the hostile sender changed none of it. */
export async function othersSnapshot(net: Network, receiver: string, hostile: string): Promise<string> {
  const url = net.gateways[receiver].databaseUrl;
  const inbox = await sql(
    url,
    `select seq, sender, origin, alert_id, kind, state, version, title, md5(body) as body, acknowledged_by
     from inbox where sender <> $1 order by seq`,
    [hostile],
  );
  const outbox = await sql(
    url,
    `select id, alert_id, kind, recipient, status, acknowledged_by, acknowledged_at
     from outbox where recipient <> $1 and kind <> 'RECEIPT' order by id`,
    [hostile],
  );
  const alerts = await sql(url, 'select id, state, version, md5(alert) as alert from alerts order by id');
  return createHash('sha256').update(JSON.stringify({ inbox, outbox, alerts })).digest('hex');
}

/** A valid bulletin from the partner: what must keep arriving behind whatever it sent before. */
export function canary(partner: HostilePartner): Sealed {
  const alert = bulletinProto({ from: partner.from, over: { title: 'canary' } });
  return partner.seal({
    kind: MessageKind.ALERT,
    category: alert.category,
    classification: alert.classification,
    threadId: alert.threadId,
    message: messageOf({ case: 'alert', value: alert }),
  });
}

/** Waits until the canary's message is in the receiver's inbox; the time it took, or undefined past the bound. */
export async function waitForInbox(
  net: Network,
  receiver: string,
  sender: string,
  messageId: string,
  boundMs: number,
): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < boundMs) {
    const rows = await sql(
      net.gateways[receiver].databaseUrl,
      'select 1 from inbox where sender = $1 and message_id = $2',
      [sender, messageId],
    );
    if (rows.length) {
      return Date.now() - started;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

async function healthy(net: Network, country: string): Promise<boolean> {
  try {
    const res = await fetch(`${net.gateways[country].url}/health`);
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The receiver's log leaves, by envelope hash: event and reason of each. */
async function leavesBySha(net: Network, receiver: string): Promise<Map<string, string[]>> {
  const rows = await sql<{ leaf: Buffer }>(
    net.gateways[receiver].databaseUrl,
    'select leaf from audit_leaves',
  );
  const by = new Map<string, string[]>();
  for (const r of rows) {
    const leaf = fromBinary(AuditLeafSchema, r.leaf);
    if (leaf.envelopeSha256.length === 0) {
      continue;
    }
    const sha = Buffer.from(leaf.envelopeSha256).toString('hex');
    const outcome =
      leaf.event === AuditEvent.REJECTED
        ? `REJECTED:${leaf.reasonCode}`
        : `APPLIED:${enumName(AuditEvent, leaf.event)}`;
    by.set(sha, [...(by.get(sha) ?? []), outcome]);
  }
  return by;
}

export async function runAdversarial(opts: {
  net: Network;
  world: World;
  count: number;
  /** the run stops after this long, whatever it sent (it is bounded in count and in time) */
  deadlineMs: number;
  roundSize?: number;
  canaryBoundMs?: number;
  seed?: number;
  /** the grant of the sender→receiver direction, to check that whatever was applied lies within it */
  grant: { categories: string[]; maxClassification: string };
  log?: (line: string) => void;
}): Promise<AdversarialReport> {
  const { net, world } = opts;
  const receiver = world.to;
  const log = opts.log ?? (() => undefined);
  const roundSize = opts.roundSize ?? 50;
  const canaryBound = opts.canaryBoundMs ?? 20_000;
  const partner = new HostilePartner(net, world.from, world.to, world.agreementId);
  const report: AdversarialReport = {
    sent: 0,
    outcomes: {},
    kinds: {},
    canaryMs: [],
    violations: [],
    rounds: 0,
  };
  const before = await othersSnapshot(net, receiver, world.from);
  const sent: { sha: string; kind: string }[] = [];
  const cases = fc.sample(hostileCases(world), { numRuns: opts.count, seed: opts.seed ?? 20_201 });
  const usedIds = new Set<string>();
  const started = Date.now();
  try {
    for (let i = 0; i < cases.length && Date.now() - started < opts.deadlineMs; i += roundSize) {
      const round: Sealed[] = [];
      for (const c of cases.slice(i, i + roundSize)) {
        // A message id this partner already used makes a copy, answered by a receipt and nothing else: only the
        // first use of a borrowed id is a case.
        const borrowed = c.envelope.messageId;
        if (borrowed !== undefined && usedIds.has(borrowed)) {
          c.envelope.messageId = undefined;
        }
        usedIds.add(c.envelope.messageId ?? '');
        let sealed: Sealed;
        try {
          sealed = partner.seal(c.envelope);
        } catch (err) {
          // The envelope library refuses to seal it (a header field over 128 characters): not a case either.
          const key = `(not sealable: ${(err as Error).message})`;
          report.kinds[key] = (report.kinds[key] ?? 0) + 1;
          continue;
        }
        if (sealed.bytes.length > PRODUCIBLE_BYTES) {
          report.kinds['(beyond the broker limit, not sent)'] =
            (report.kinds['(beyond the broker limit, not sent)'] ?? 0) + 1;
          continue;
        }
        round.push(sealed);
        sent.push({ sha: sealed.sha, kind: c.name });
        report.kinds[c.name] = (report.kinds[c.name] ?? 0) + 1;
      }
      const probe = canary(partner);
      const producedAt = Date.now();
      await partner.produce([...round, probe]);
      report.sent += round.length;
      report.rounds += 1;
      const took = await waitForInbox(net, receiver, world.from, probe.messageId, canaryBound);
      if (took === undefined) {
        report.violations.push(
          `round ${report.rounds}: the canary did not reach the inbox within ${canaryBound} ms`,
        );
        break;
      }
      report.canaryMs.push(Date.now() - producedAt);
      if (!(await healthy(net, receiver))) {
        report.violations.push(`round ${report.rounds}: ${receiver} /health did not answer 200`);
        break;
      }
      if (report.rounds % 10 === 0) {
        log(`${report.sent} hostile envelopes sent in ${report.rounds} rounds, intake flowing`);
      }
    }
  } finally {
    await partner.close();
  }
  // 1. every envelope has an outcome in the log
  const leaves = await leavesBySha(net, receiver);
  for (const s of sent) {
    const outcomes = leaves.get(s.sha);
    if (!outcomes) {
      report.violations.push(
        `a ${s.kind} envelope (${s.sha.slice(0, 12)}) was neither quarantined nor applied`,
      );
      continue;
    }
    for (const o of new Set(outcomes)) {
      report.outcomes[o] = (report.outcomes[o] ?? 0) + 1;
    }
  }
  // 1b. whatever was applied lies within the agreement
  const max = CLASSIFICATION_NAMES.indexOf(opts.grant.maxClassification);
  const outside = await sql<{ seq: string; category: string; classification: string }>(
    net.gateways[receiver].databaseUrl,
    `select seq, category, classification from inbox
     where sender = $1 and not (category = any($2) and classification = any($3))`,
    [world.from, opts.grant.categories, CLASSIFICATION_NAMES.slice(0, max + 1)],
  );
  for (const r of outside) {
    report.violations.push(
      `inbox row ${r.seq} from ${world.from} lies outside the agreement: ${r.category}/${r.classification}`,
    );
  }
  const wrongOrigin = await sql<{ seq: string }>(
    net.gateways[receiver].databaseUrl,
    `select seq from inbox where sender = $1 and kind = 'ALERT' and origin is distinct from sender`,
    [world.from],
  );
  for (const r of wrongOrigin) {
    report.violations.push(`inbox alert ${r.seq} from ${world.from} claims another origin`);
  }
  // 2. nobody else's data changed
  if ((await othersSnapshot(net, receiver, world.from)) !== before) {
    report.violations.push(`${world.from} changed data of other parties held by ${receiver}`);
  }
  // 4. still healthy at the end
  if (!(await healthy(net, receiver))) {
    report.violations.push(`${receiver} /health did not answer 200 at the end`);
  }
  return report;
}

/** Outcome counts as aligned lines, most frequent first. */
export function formatOutcomes(counts: Record<string, number>): string[] {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${String(n).padStart(7)}  ${k}`);
}

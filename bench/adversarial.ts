/**
 * npm run bench -- adversarial
 *
 * The long run of the adversarial suite (issue #20): LY, a partner turned hostile, sends IT at least 10,000 generated
 * envelopes signed with its real key (NUL, control and bidi characters, huge lengths, colliding and foreign ids, wrong
 * agreement ids, cross-thread references, every message kind), in rounds, each followed on the same partition by a
 * valid canary alert. Checked for every envelope: quarantined with a reason or applied within the agreement; nobody
 * else's data changed; the partition keeps flowing; IT stays healthy. Reported: outcomes by reason, and the canary's
 * delivery time behind a hostile round as a ratio to a canary's delivery time with nothing in front of it, measured
 * in the same run (the baseline).
 *
 * Bounded: ADVERSARIAL_COUNT envelopes (default 10,000) and ADVERSARIAL_MINUTES (default 25), whichever ends first.
 */
import { Network } from '../scripts/lib/network';
import { HostilePartner } from '../test/adversarial/partner';
import { canary, formatOutcomes, runAdversarial, waitForInbox } from '../test/adversarial/runner';
import { HOSTILE, HOSTILE_AGREEMENTS, LY_IT_GRANT, prepareWorld } from '../test/adversarial/world';
import { progressLog } from './lib/clock';
import { fixed, printTable, summarize, verdict } from './lib/stats';
import { startTestbed } from './lib/testbed';

const log = progressLog('adversarial');

/** Delivery time of lone canaries: what a round's canary is compared with. */
async function baseline(net: Network, agreementId: string, count: number): Promise<number[]> {
  const partner = new HostilePartner(net, HOSTILE.from, HOSTILE.to, agreementId);
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const probe = canary(partner);
      const at = Date.now();
      await partner.produce([probe]);
      if ((await waitForInbox(net, HOSTILE.to, HOSTILE.from, probe.messageId, 20_000)) === undefined) {
        throw new Error('a lone canary did not arrive within 20 s: the network is not healthy, see the logs');
      }
      samples.push(Date.now() - at);
    }
  } finally {
    await partner.close();
  }
  return samples;
}

export async function run(): Promise<void> {
  const count = Number(process.env.ADVERSARIAL_COUNT ?? 10_000);
  const minutes = Number(process.env.ADVERSARIAL_MINUTES ?? 25);
  const bed = await startTestbed({
    name: 'adversarial',
    log,
    countries: [HOSTILE.from, HOSTILE.to, HOSTILE.third],
    agreements: HOSTILE_AGREEMENTS,
    gatewayEnv: { RECEIPT_BATCH_MS: '50' },
  });
  try {
    log('publishing the traffic the attack refers to (NE→IT, IT→NE, IT→LY, LY→IT) …');
    const world = await prepareWorld(bed.net);
    log('baseline: 30 lone canaries, nothing in front of them …');
    const alone = summarize(await baseline(bed.net, world.agreementId, 30));
    log(`sending up to ${count} generated hostile envelopes in rounds of 100, for at most ${minutes} min …`);
    const started = Date.now();
    const report = await runAdversarial({
      net: bed.net,
      world,
      count,
      deadlineMs: minutes * 60_000,
      roundSize: 100,
      grant: LY_IT_GRANT,
      seed: Number(process.env.ADVERSARIAL_SEED ?? 20_201),
      log,
    });
    const seconds = (Date.now() - started) / 1000;
    const behind = summarize(report.canaryMs);
    console.log(
      `\nadversarial: ${report.sent} hostile envelopes in ${report.rounds} rounds, ${fixed(seconds, 0)} s`,
    );
    console.log('\nmessage kinds generated:');
    console.log(formatOutcomes(report.kinds).join('\n'));
    console.log(
      '\noutcomes at IT, by its exchange log (an envelope may be both: a receipt batch partly matched):',
    );
    console.log(formatOutcomes(report.outcomes).join('\n'));
    console.log('');
    printTable({
      headers: ['canary delivery', 'n', 'p50 ms', 'p99 ms', 'max ms', 'p50 / baseline p50'],
      rows: [
        ['alone (baseline)', String(alone.count), alone.p50, alone.p99, alone.max, 1],
        [
          'behind a hostile round of 100',
          behind.count,
          behind.p50,
          behind.p99,
          behind.max,
          behind.p50 / alone.p50,
        ],
      ],
    });
    console.log('');
    console.log(
      verdict({ met: report.sent >= 10_000, text: `at least 10,000 envelopes sent (${report.sent})` }),
    );
    console.log(
      verdict({
        met: report.violations.length === 0,
        text: 'quarantined or applied within the agreement; no other party changed; intake flowing; healthy',
      }),
    );
    for (const v of report.violations.slice(0, 20)) {
      console.log(`  violation: ${v}`);
    }
    if (report.violations.length > 0) {
      process.exitCode = 1;
    }
  } catch (err) {
    bed.describeFailure(log);
    throw err;
  }
}

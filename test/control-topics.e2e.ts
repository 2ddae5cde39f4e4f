// Each gateway publishes its signed record on its own compacted control topic, corridor.control.<CC>, which only its
// principal may write (broker ACLs); every gateway reads them all by prefix. A gateway cannot write another's topic
// nor the secretariat's, so it cannot have their records compacted away; a gateway that joins later reads the
// genuine records of the others, and they read its own.
import fs from 'node:fs';
import { Kafka } from 'kafkajs';
import {
  controlTopic,
  ControlRecordSchema,
  create,
  fromBinary,
  GatewayRecordSchema,
  gatewayControlTopic,
  SignedGatewayRecordSchema,
  toBinary,
} from '@corridor/contracts';
import { Network } from '../scripts/lib/network';
import { kafkaAs } from './harness/broker';
import { sql } from './harness/databases';
import { eventually, startTestNetwork } from './harness/network';

const both = (a: string, b: string) => [
  { from: a, to: b, categories: ['BULLETIN'], maxClassification: 'AMBER' },
  { from: b, to: a, categories: ['BULLETIN'], maxClassification: 'AMBER' },
];

/** The error type kafkajs reports for a refused produce, wherever it nests it. */
function kafkaErrorType(err: unknown): string | undefined {
  let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e.type) {
      return e.type;
    }
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return undefined;
}

async function produceAs(kafka: Kafka, topic: string, key: string, value: Uint8Array): Promise<string> {
  const producer = kafka.producer({ retry: { retries: 0 } });
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key, value: Buffer.from(value) }] });
    return 'accepted';
  } catch (err) {
    return kafkaErrorType(err) ?? (err as Error).message;
  } finally {
    await producer.disconnect();
  }
}

describe('gateway control topics (real broker ACLs)', () => {
  let net: Network;
  const gw = (c: string) => net.gateways[c];
  const recordsAt = async (country: string) => {
    const rows = await sql<{ country: string; signed: Buffer }>(
      gw(country).databaseUrl,
      'select country, signed from trust_gateway_records order by country',
    );
    return new Map(
      rows.map((r) => [
        r.country,
        fromBinary(GatewayRecordSchema, fromBinary(SignedGatewayRecordSchema, r.signed).record),
      ]),
    );
  };

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'ctltopics',
      countries: ['LY', 'IT'],
      gatewayEnv: { CONTROL_TOPICS_REFRESH_MS: '1000' },
      agreements: [{ parties: ['LY', 'IT'], purpose: 'test', directions: both('LY', 'IT') }],
    });
  }, 240_000);

  afterAll(async () => {
    await net?.stop();
  });

  it("a gateway writes its own control topic only: another gateway's and the secretariat's are refused with TOPIC_AUTHORIZATION_FAILED", async () => {
    const prefix = net.opts.topicPrefix;
    // IT's genuine record as LY would replay or blank it: the bytes do not matter, the broker refuses the write.
    const itRecord = await eventually('IT record at LY', async () => (await recordsAt('LY')).get('IT'));
    expect(itRecord.epochKeys.length).toBeGreaterThanOrEqual(2);
    const forged = toBinary(
      ControlRecordSchema,
      create(ControlRecordSchema, { key: 'gateway/IT', publishedAtMs: BigInt(Date.now()) }),
    );
    const ly = kafkaAs('gw-ly');
    expect(await produceAs(ly, gatewayControlTopic('IT', prefix), 'gateway/IT', forged)).toBe(
      'TOPIC_AUTHORIZATION_FAILED',
    );
    expect(await produceAs(ly, controlTopic(prefix), 'gateway/IT', forged)).toBe(
      'TOPIC_AUTHORIZATION_FAILED',
    );
    expect(await produceAs(ly, controlTopic(prefix), 'crl', forged)).toBe('TOPIC_AUTHORIZATION_FAILED');
    // Its own topic takes the write; a record there under another gateway's key is ignored by every reader.
    expect(await produceAs(ly, gatewayControlTopic('LY', prefix), 'gateway/IT', forged)).toBe('accepted');
    await eventually(
      "IT logs the out-of-place record on LY's topic as ignored",
      async () =>
        fs.readFileSync(gw('IT').process.logFile, 'utf8').includes('control record out of place ignored')
          ? true
          : undefined,
      20_000,
      500,
    );
    expect((await recordsAt('LY')).get('IT')?.publishedAtMs).toBe(itRecord.publishedAtMs);
  });

  it('a gateway that joins later reads the genuine records of the others, and they read its own', async () => {
    await net.join('MT');
    const atMt = await eventually(
      'MT holds the records of LY and IT',
      async () => {
        const records = await recordsAt('MT');
        return records.has('LY') && records.has('IT') ? records : undefined;
      },
      30_000,
    );
    const atLy = await recordsAt('LY');
    // The very records LY holds of IT (same publication), and LY's own as published on its topic.
    expect(atMt.get('IT')?.publishedAtMs).toBe(atLy.get('IT')?.publishedAtMs);
    expect(atMt.get('IT')?.certFingerprint).toBe(atLy.get('IT')?.certFingerprint);
    expect(atMt.get('LY')?.epochKeys.length).toBeGreaterThanOrEqual(2);
    // The running gateways find MT's new topic and read its record.
    for (const c of ['LY', 'IT']) {
      await eventually(
        `${c} holds MT's record`,
        async () => ((await recordsAt(c)).has('MT') ? true : undefined),
        30_000,
      );
    }
  }, 120_000);
});

// Suite 2 between real gateways (real Kafka with ACLs, real PostgreSQL): LY and IT are enrolled with P-256 identities
// and exchange under suite 2 by default (X-Wing to IT's signed epoch key, receipts signed only); NE opens suite 1 only
// and still exchanges with LY under suite 1; the IT–NE agreement requires suite 2, so a suite-1 envelope from NE is
// quarantined at IT with SUITE_NOT_ALLOWED, and IT never seals for NE below suite 2.
import fs from 'node:fs';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import {
  AlertSchema,
  Category,
  Classification,
  create,
  ExchangeMessageSchema,
  exchangeTopic,
  fromBinary,
  EnvelopeSchema,
  gatewayGroupPrefix,
  HandlingCode,
  MessageKind,
  Priority,
  BulletinSchema,
  GatewayRecordSchema,
  SignedGatewayRecordSchema,
  type EnvelopeHeader,
} from '@corridor/contracts';
import { peekEnvelopeHeader, sealEnvelope } from '@corridor/envelope';
import { decryptPrivateKey, describeCertificate } from '@corridor/pki';
import { installCertificate, installEcCertificate, rotateGatewayKey } from '../apps/cli/src/pki-files';
import { ManagedProcess, Network } from '../scripts/lib/network';
import { kafkaAs } from './harness/broker';
import { sql } from './harness/databases';
import { eventually, publishAlert, startTestNetwork } from './harness/network';
import { bulletinAlert } from './factories/alerts';

const both = (a: string, b: string, categories = ['BULLETIN', 'ROUTE']) => [
  { from: a, to: b, categories, maxClassification: 'AMBER' },
  { from: b, to: a, categories, maxClassification: 'AMBER' },
];

/** Every envelope on a topic so far, header and shape, read as `principal` (which has READ on it). */
async function envelopesOn(
  net: Network,
  topic: string,
  reader: string,
  until: (h: EnvelopeHeader[]) => boolean,
): Promise<{ header: EnvelopeHeader; wrappedKeyBytes: number }[]> {
  const consumer = kafkaAs(`gw-${reader.toLowerCase()}`).consumer({
    groupId: `${gatewayGroupPrefix(reader, net.opts.topicPrefix)}probe-${uuidv7()}`,
    maxWaitTimeInMs: 200,
  });
  const seen: { header: EnvelopeHeader; wrappedKeyBytes: number }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value) {
          return;
        }
        try {
          seen.push({
            header: peekEnvelopeHeader(message.value),
            wrappedKeyBytes: fromBinary(EnvelopeSchema, message.value).wrappedKey.length,
          });
        } catch {
          // not an envelope (other tests' noise)
        }
      },
    });
    await eventually(`envelopes on ${topic}`, async () =>
      until(seen.map((s) => s.header)) ? true : undefined,
    );
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

describe('suite 2 between gateways (real processes)', () => {
  let net: Network;
  const gw = (c: string) => net.gateways[c];

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'suite2',
      countries: ['LY', 'IT', 'NE'],
      gatewayEnvByCountry: { NE: { ENVELOPE_SUITES: '1' } },
      agreements: [
        { parties: ['LY', 'IT'], purpose: 'test', directions: both('LY', 'IT') },
        { parties: ['LY', 'NE'], purpose: 'test', directions: both('LY', 'NE') },
        { parties: ['IT', 'NE'], purpose: 'test', directions: both('IT', 'NE'), suites: [2] },
      ],
    });
  }, 240_000);

  afterAll(async () => {
    await net?.stop();
  });

  const delivered = (country: string, id: string) =>
    eventually(
      `${id} DELIVERED at ${country}`,
      async () => {
        const rows = await sql<{ status: string }>(
          gw(country).databaseUrl,
          "select status from outbox where alert_id = $1 and kind = 'ALERT'",
          [id],
        );
        return rows.length > 0 && rows.every((r) => r.status === 'DELIVERED') ? rows : undefined;
      },
      30_000,
    );

  it('each gateway with a P-256 identity keeps its epoch keys encrypted and publishes them; partners store them', async () => {
    for (const c of ['LY', 'IT']) {
      const keys = await sql<{ key_id: string; sealed_private: string | null; not_before_ms: string }>(
        gw(c).databaseUrl,
        'select key_id, sealed_private, not_before_ms from epoch_keys order by not_before_ms',
      );
      // the current epoch and the next one, private halves encrypted (not the raw 32-byte seed)
      expect(keys.length).toBeGreaterThanOrEqual(2);
      for (const k of keys) {
        expect(k.sealed_private).not.toBeNull();
        expect(Buffer.from(k.sealed_private!, 'base64').length).toBe(77);
      }
    }
    expect(await sql(gw('NE').databaseUrl, 'select 1 from epoch_keys')).toHaveLength(0);
    const records = await eventually('LY holds the records of IT and NE', async () => {
      const rows = await sql<{ country: string; signed: Buffer }>(
        gw('LY').databaseUrl,
        'select country, signed from trust_gateway_records order by country',
      );
      return rows.length === 2 ? rows : undefined;
    });
    const content = (signed: Buffer) =>
      fromBinary(GatewayRecordSchema, fromBinary(SignedGatewayRecordSchema, signed).record);
    const [it, ne] = records.map((r) => content(r.signed));
    expect([it.country, it.suites, it.epochKeys.length >= 2]).toEqual(['IT', [2, 1], true]);
    // NE opens suite 1 only (ENVELOPE_SUITES=1): it says so, and offers no epoch key
    expect([ne.country, ne.suites, ne.epochKeys.length]).toEqual(['NE', [1], 0]);
  });

  it('LY and IT exchange under suite 2 by default: X-Wing to an IT epoch key, receipts signed only', async () => {
    const id = await publishAlert(
      net,
      'LY',
      bulletinAlert({ recipients: ['IT'], title: 'suite 2 by default' }),
    );
    await eventually('alert in IT inbox', async () => {
      const rows = await sql(gw('IT').databaseUrl, 'select 1 from inbox where alert_id = $1', [id]);
      return rows.length ? rows : undefined;
    });
    await delivered('LY', id);
    const [{ message_id: messageId }] = await sql<{ message_id: string }>(
      gw('LY').databaseUrl,
      "select message_id from outbox where alert_id = $1 and kind = 'ALERT'",
      [id],
    );
    const out = await envelopesOn(net, exchangeTopic('LY', 'IT', net.opts.topicPrefix), 'IT', (hs) =>
      hs.some((h) => h.messageId === messageId),
    );
    const sent = out.find((e) => e.header.messageId === messageId)!;
    expect(sent.header.suite).toBe(2);
    expect(sent.wrappedKeyBytes).toBe(1120); // X-Wing ciphertext
    const heldAtIt = await sql<{ key_id: string }>(
      gw('IT').databaseUrl,
      'select key_id from epoch_keys where sealed_private is not null',
    );
    expect(heldAtIt.map((k) => k.key_id)).toContain(sent.header.recipientKemKeyId);
    const back = await envelopesOn(net, exchangeTopic('IT', 'LY', net.opts.topicPrefix), 'LY', (hs) =>
      hs.some((h) => h.kind === MessageKind.RECEIPT),
    );
    const receipt = back.find((e) => e.header.kind === MessageKind.RECEIPT)!;
    expect(receipt.header.suite).toBe(2);
    expect(receipt.wrappedKeyBytes).toBe(0);
    expect(receipt.header.recipientKemKeyId).toBe('');
  });

  it('a suite-1-only partner (NE) still exchanges with LY, under suite 1 both ways', async () => {
    const toNe = await publishAlert(
      net,
      'LY',
      bulletinAlert({ recipients: ['NE'], title: 'to a suite 1 partner' }),
    );
    await delivered('LY', toNe);
    const fromNe = await publishAlert(
      net,
      'NE',
      bulletinAlert({ recipients: ['LY'], title: 'from a suite 1 partner' }),
    );
    await delivered('NE', fromNe);
    const lyNe = await envelopesOn(net, exchangeTopic('LY', 'NE', net.opts.topicPrefix), 'NE', (hs) =>
      hs.some((h) => h.kind === MessageKind.ALERT),
    );
    expect(lyNe.filter((e) => e.header.kind === MessageKind.ALERT).map((e) => e.header.suite)).toEqual([1]);
    const neLy = await envelopesOn(net, exchangeTopic('NE', 'LY', net.opts.topicPrefix), 'LY', (hs) =>
      hs.some((h) => h.kind === MessageKind.ALERT),
    );
    expect(neLy.filter((e) => e.header.kind === MessageKind.ALERT).map((e) => e.header.suite)).toEqual([1]);
  });

  it('when the agreement requires suite 2, a downgraded (suite 1) envelope is quarantined with SUITE_NOT_ALLOWED', async () => {
    const secrets = JSON.parse(fs.readFileSync(path.join(net.opts.dir, 'secrets.json'), 'utf8')) as {
      gateways: Record<string, { keyPassphrase: string }>;
    };
    const neKey = decryptPrivateKey({
      encryptedPem: fs.readFileSync(path.join(gw('NE').trustDir, 'key.pem'), 'utf8'),
      passphrase: secrets.gateways.NE.keyPassphrase,
    });
    const agreements = await net.secretariatCall<{ id: string; parties: string[]; suites: number[] }[]>(
      'GET',
      '/v1/agreements',
    );
    const itNe = agreements.find((a) => a.parties.join() === 'IT,NE')!;
    expect(itNe.suites).toEqual([2]);
    const alertId = uuidv7();
    const alert = create(AlertSchema, {
      id: alertId,
      threadId: alertId,
      category: Category.BULLETIN,
      priority: Priority.ROUTINE,
      classification: Classification.GREEN,
      handling: HandlingCode.H0,
      originatorCountry: 'NE',
      originatorAgency: 'test',
      createdAtMs: BigInt(Date.now()),
      title: 'downgraded',
      payload: {
        case: 'bulletin',
        value: create(BulletinSchema, { title: 't', summary: 's', body: 'b', region: 'Sahel' }),
      },
    });
    const sealed = sealEnvelope({
      header: {
        sender: 'NE',
        recipient: 'IT',
        messageId: uuidv7(),
        createdAtMs: Date.now(),
        agreementId: itNe.id,
        kind: MessageKind.ALERT,
        category: Category.BULLETIN,
        classification: Classification.GREEN,
        threadId: alertId,
      },
      message: create(ExchangeMessageSchema, { body: { case: 'alert', value: alert } }),
      senderKey: neKey,
      senderCertPem: fs.readFileSync(path.join(gw('NE').trustDir, 'cert.pem'), 'utf8'),
      recipientCertPem: fs.readFileSync(path.join(gw('IT').trustDir, 'cert.pem'), 'utf8'),
      suite: 1,
    });
    const producer = kafkaAs('gw-ne').producer();
    await producer.connect();
    await producer.send({
      topic: exchangeTopic('NE', 'IT', net.opts.topicPrefix),
      messages: [{ key: alertId, value: Buffer.from(sealed.bytes) }],
    });
    await producer.disconnect();
    const q = await eventually('quarantine at IT', async () => {
      const rows = await sql<{ reason_code: string; message_id: string }>(
        gw('IT').databaseUrl,
        'select reason_code, message_id from quarantine where message_id = $1',
        [sealed.header.messageId],
      );
      return rows.length ? rows[0] : undefined;
    });
    expect(q.reason_code).toBe('SUITE_NOT_ALLOWED');
    expect(
      await sql(gw('IT').databaseUrl, 'select 1 from inbox where alert_id = $1', [alertId]),
    ).toHaveLength(0);
    // ... and logged in IT's exchange log like every refusal
    const leaves = await sql(gw('IT').databaseUrl, "select idx from audit_leaves where event = 'REJECTED'");
    expect(leaves.length).toBeGreaterThan(0);
  });

  it('IT never seals for NE below the agreement: the alert waits with NO_COMMON_SUITE, nothing is sent', async () => {
    const id = await publishAlert(net, 'IT', bulletinAlert({ recipients: ['NE'], title: 'needs suite 2' }));
    const row = await eventually('the seal refusal at IT', async () => {
      const rows = await sql<{ status: string; last_error: string | null }>(
        gw('IT').databaseUrl,
        "select status, last_error from outbox where alert_id = $1 and kind = 'ALERT'",
        [id],
      );
      return rows[0]?.last_error ? rows[0] : undefined;
    });
    expect(row.last_error).toMatch(/NO_COMMON_SUITE/);
    expect(row.status).not.toBe('DELIVERED');
  });
  it('corridor pki rotate renews the P-256 identity too: IT signs its held epoch keys again, LY seals suite 2 to them after the old certificates are revoked', async () => {
    const itGw = gw('IT');
    const secrets = JSON.parse(fs.readFileSync(path.join(net.opts.dir, 'secrets.json'), 'utf8')) as {
      gateways: Record<string, { keyPassphrase: string }>;
    };
    const oldRsa = describeCertificate(fs.readFileSync(path.join(itGw.trustDir, 'cert.pem'), 'utf8'));
    const oldEc = describeCertificate(fs.readFileSync(path.join(itGw.trustDir, 'ec-cert.pem'), 'utf8'));
    const heldBefore = await sql<{ key_id: string; cert_fingerprint: string }>(
      itGw.databaseUrl,
      'select key_id, cert_fingerprint from epoch_keys where sealed_private is not null',
    );
    expect(new Set(heldBefore.map((k) => k.cert_fingerprint))).toEqual(new Set([oldEc.fingerprint]));

    await itGw.process.stop();
    const { csrPem, ecCsrPem } = await rotateGatewayKey({
      dir: itGw.trustDir,
      passphrase: secrets.gateways.IT.keyPassphrase,
      country: 'IT',
    });
    expect(ecCsrPem).toBeDefined();
    const issued = await net.secretariatCall<{ certPem: string; caPem: string; ecCertPem: string }>(
      'POST',
      '/v1/gateways',
      { country: 'IT', csrPem, ecCsrPem },
    );
    installCertificate({ dir: itGw.trustDir, certPem: issued.certPem, caPem: issued.caPem });
    installEcCertificate({ dir: itGw.trustDir, certPem: issued.ecCertPem });
    const newEc = describeCertificate(issued.ecCertPem);
    expect(newEc.fingerprint).not.toBe(oldEc.fingerprint);
    itGw.process = new ManagedProcess(
      itGw.process.name,
      itGw.process.script,
      itGw.process.env,
      itGw.process.logFile,
      itGw.url,
    );
    itGw.process.start();
    await itGw.process.ready();

    // The same epoch keys (nothing sealed to them is lost), now signed by the new certificate, in IT's record at LY.
    const heldAfter = await sql<{ key_id: string; cert_fingerprint: string }>(
      itGw.databaseUrl,
      'select key_id, cert_fingerprint from epoch_keys where sealed_private is not null',
    );
    expect(heldAfter.map((k) => k.key_id)).toEqual(expect.arrayContaining(heldBefore.map((k) => k.key_id)));
    expect(new Set(heldAfter.map((k) => k.cert_fingerprint))).toEqual(new Set([newEc.fingerprint]));
    const record = await eventually("IT's record signed by its new P-256 certificate at LY", async () => {
      const [row] = await sql<{ signed: Buffer }>(
        gw('LY').databaseUrl,
        "select signed from trust_gateway_records where country = 'IT'",
      );
      const content = fromBinary(
        GatewayRecordSchema,
        fromBinary(SignedGatewayRecordSchema, row.signed).record,
      );
      return content.certFingerprint === newEc.fingerprint ? content : undefined;
    });
    // LY keeps a record only when it and every epoch key in it verify with the certificate it names.
    expect(record.epochKeys.map((k) => k.keyId)).toEqual(
      expect.arrayContaining(
        heldBefore.map((k) => k.key_id).filter((k) => heldAfter.some((h) => h.key_id === k)),
      ),
    );

    for (const old of [oldRsa, oldEc]) {
      await net.secretariatCall('POST', `/v1/certificates/${old.fingerprint}/revoke`, {
        reason: 'superseded by rotation',
      });
    }
    const id = await eventually(
      'an alert from LY delivered to the rotated IT',
      async () => {
        const sent = await publishAlert(
          net,
          'LY',
          bulletinAlert({ recipients: ['IT'], title: 'after rotation' }),
        );
        await delivered('LY', sent);
        return sent;
      },
      60_000,
      1000,
    );
    const [{ message_id: messageId }] = await sql<{ message_id: string }>(
      gw('LY').databaseUrl,
      "select message_id from outbox where alert_id = $1 and kind = 'ALERT'",
      [id],
    );
    const out = await envelopesOn(net, exchangeTopic('LY', 'IT', net.opts.topicPrefix), 'IT', (hs) =>
      hs.some((h) => h.messageId === messageId),
    );
    const sent = out.find((e) => e.header.messageId === messageId)!;
    expect(sent.header.suite).toBe(2);
    expect(heldAfter.map((k) => k.key_id)).toContain(sent.header.recipientKemKeyId);
  }, 180_000);
});

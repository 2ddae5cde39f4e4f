// A partner gateway turned hostile: it seals validly signed envelopes with that partner's REAL key and certificate,
// for a real recipient's certificate, and produces them with that partner's real Kafka principal, outside every check
// its own gateway would make. What a compromised, buggy or hostile gateway could send.
import fs from 'node:fs';
import path from 'node:path';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import {
  Category,
  Classification,
  create,
  ExchangeMessage,
  exchangeTopic,
  ExchangeMessageSchema,
  MessageKind,
} from '@corridor/contracts';
import { envelopeSha256, sealEnvelope } from '@corridor/envelope';
import { decryptPrivateKey } from '@corridor/pki';
import { Network } from '../../scripts/lib/network';
import { adminKafkaFor } from './kafka';

export interface HostileEnvelope {
  kind: MessageKind;
  message: ExchangeMessage;
  category?: Category;
  classification?: Classification;
  /** defaults to the pair's active agreement */
  agreementId?: string;
  /** defaults to a fresh UUIDv7 */
  messageId?: string;
  threadId?: string;
}

export interface Sealed {
  bytes: Uint8Array;
  messageId: string;
  /** hex SHA-256 of the envelope bytes, as the receiver's log and quarantine record it */
  sha: string;
}

export class HostilePartner {
  private producer?: Producer;
  private readonly key: KeyObject;
  private readonly certPem: string;
  private readonly recipientCertPem: string;

  constructor(
    private readonly net: Network,
    readonly from: string,
    readonly to: string,
    /** the agreement id of the pair, named by default in every header */
    readonly agreementId: string,
    private readonly principal = `gw-${from.toLowerCase()}`,
  ) {
    const secrets = JSON.parse(fs.readFileSync(path.join(net.opts.dir, 'secrets.json'), 'utf8')) as {
      gateways: Record<string, { keyPassphrase: string }>;
    };
    const trustDir = net.gateways[from].trustDir;
    this.key = createPrivateKey(
      decryptPrivateKey({
        encryptedPem: fs.readFileSync(path.join(trustDir, 'key.pem'), 'utf8'),
        passphrase: secrets.gateways[from].keyPassphrase,
      }),
    );
    this.certPem = fs.readFileSync(path.join(trustDir, 'cert.pem'), 'utf8');
    this.recipientCertPem = fs.readFileSync(path.join(net.gateways[to].trustDir, 'cert.pem'), 'utf8');
  }

  get topic(): string {
    return exchangeTopic(this.from, this.to, this.net.opts.topicPrefix);
  }

  seal(e: HostileEnvelope): Sealed {
    const messageId = e.messageId ?? uuidv7();
    const sealed = sealEnvelope({
      header: {
        sender: this.from,
        recipient: this.to,
        messageId,
        createdAtMs: Date.now(),
        agreementId: e.agreementId ?? this.agreementId,
        kind: e.kind,
        category: e.category ?? Category.UNSPECIFIED,
        classification: e.classification ?? Classification.UNSPECIFIED,
        threadId: e.threadId ?? messageId,
      },
      message: e.message,
      senderKey: this.key,
      senderCertPem: this.certPem,
      recipientCertPem: this.recipientCertPem,
    });
    return { bytes: sealed.bytes, messageId, sha: Buffer.from(envelopeSha256(sealed.bytes)).toString('hex') };
  }

  /**
   * Produces in order, all with one key: one partition, so a poison record sits in front of what follows it. Sent in
   * requests of at most ~700 KB (the broker refuses a record batch over its 1 MB message.max.bytes).
   */
  async produce(envelopes: Sealed[]): Promise<void> {
    if (!this.producer) {
      const p = adminKafkaFor(this.net, this.principal).producer({ allowAutoTopicCreation: false });
      await p.connect();
      this.producer = p;
    }
    let chunk: Sealed[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      if (chunk.length > 0) {
        await this.producer!.send({
          topic: this.topic,
          messages: chunk.map((e) => ({ key: 'hostile', value: Buffer.from(e.bytes) })),
        });
      }
      chunk = [];
      bytes = 0;
    };
    for (const e of envelopes) {
      if (bytes + e.bytes.length > 700_000) {
        await flush();
      }
      chunk.push(e);
      bytes += e.bytes.length;
    }
    await flush();
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }
}

/** An ExchangeMessage with the given body. */
export function messageOf(body: ExchangeMessage['body'], redactedFields: string[] = []): ExchangeMessage {
  return create(ExchangeMessageSchema, { body, redactedFields });
}

// The gateway's exchange log: every exchange event is a leaf (metadata and hashes, never content) of an
// append-only Merkle tree stored in PostgreSQL; signed tree heads go to the secretariat.
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import {
  AuditEvent,
  AuditLeafSchema,
  Category,
  create,
  enumName,
  SignedTreeHead,
  toBinary,
  SignedTreeHeadSchema,
} from '@corridor/contracts';
import {
  buildExport,
  AuditExport,
  encodeLeaf,
  leafHashOf,
  MerkleTree,
  signTreeHead,
  decodeSignedTreeHead,
} from '@corridor/audit-log';
import { KafkaClient, mapInSlices, problem } from '@corridor/platform';
import { ExchangeLogRepository } from './exchange-log.repository';
import { GroupCommit, GroupCommitFullError } from './group-commit';
import { TrustStore } from '../trust/trust.store';

export interface LeafInput {
  event: AuditEvent;
  peer?: string;
  messageId?: string;
  envelopeSha256?: Uint8Array;
  category?: Category;
  reasonCode?: string;
  officerId?: string;
  alertId?: string;
  agreementId?: string;
}

/** One encoded leaf: its bytes, hash, event name and message id (a column of corridor_append_leaves each). */
type EncodedLeaf = [Buffer, Buffer, string, string | null];

/** At most this many leaves per group-commit transaction, and waiting for one (then 503 with Retry-After). */
export const GROUP_COMMIT_MAX_BATCH = 512;
export const GROUP_COMMIT_MAX_QUEUED = 8192;
/** Leaves read per query when the in-memory tree catches up with the database. */
export const CATCH_UP_PAGE = 1000;

export class AuditLog {
  private tree = new MerkleTree();
  private lastHead?: SignedTreeHead;
  /** Leaves without business rows (document checks, refusals): concurrent ones share one durable commit. */
  private readonly group = new GroupCommit<EncodedLeaf>(
    async (leaves) => {
      await this.repo.append(this.ds, [
        leaves.map((l) => l[0]),
        leaves.map((l) => l[1]),
        leaves.map((l) => l[2]),
        leaves.map((l) => l[3]),
      ]);
    },
    { maxBatch: GROUP_COMMIT_MAX_BATCH, maxQueued: GROUP_COMMIT_MAX_QUEUED },
  );

  constructor(
    private readonly ds: DataSource,
    private readonly repo: ExchangeLogRepository,
    private readonly trust: TrustStore,
    private readonly kafka: KafkaClient,
    private readonly headsTopic: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Appends leaves inside the caller's transaction: they commit or vanish with the business rows. One round trip:
   * corridor_append_leaves takes the log lock, reads the next index and inserts (migration 1732300000000).
   */
  async append(em: EntityManager, leaves: LeafInput[]): Promise<void> {
    if (leaves.length === 0) {
      return;
    }
    await this.repo.append(em, this.leafParameters(leaves));
  }

  /** The four array parameters of corridor_append_leaves, for callers that fold the append into a statement. */
  leafParameters(leaves: LeafInput[]): [Buffer[], Buffer[], string[], (string | null)[]] {
    const now = BigInt(Date.now());
    const bytes: Buffer[] = [];
    const hashes: Buffer[] = [];
    const events: string[] = [];
    const messageIds: (string | null)[] = [];
    for (const l of leaves) {
      const leaf = encodeLeaf(
        create(AuditLeafSchema, {
          event: l.event,
          gateway: this.trust.own.country,
          peer: l.peer ?? '',
          messageId: l.messageId ?? '',
          envelopeSha256: l.envelopeSha256 ?? new Uint8Array(),
          category: l.category ?? Category.UNSPECIFIED,
          atMs: now,
          reasonCode: l.reasonCode ?? '',
          officerId: l.officerId ?? '',
          alertId: l.alertId ?? '',
          agreementId: l.agreementId ?? '',
        }),
      );
      bytes.push(Buffer.from(leaf));
      hashes.push(Buffer.from(leafHashOf(leaf)));
      events.push(enumName(AuditEvent, l.event));
      messageIds.push(l.messageId ?? null);
    }
    return [bytes, hashes, events, messageIds];
  }

  /**
   * Events that have no business rows of their own (a document check, an agreement change): one statement in its own
   * transaction, shared with the leaves of concurrent callers (group commit); resolves once this caller's leaves are
   * durably committed. A lone call commits at once; while a commit is in flight, the next calls wait and share the
   * next one, so N concurrent checks cost one WAL flush instead of N (#19).
   */
  async record(leaves: LeafInput[]): Promise<void> {
    if (leaves.length === 0) {
      return;
    }
    const [bytes, hashes, events, messageIds] = this.leafParameters(leaves);
    try {
      await this.group.submit(bytes.map((b, i): EncodedLeaf => [b, hashes[i], events[i], messageIds[i]]));
    } catch (err) {
      if (err instanceof GroupCommitFullError) {
        throw problem(503, err.code, err.message, { retryAfter: 1 });
      }
      throw err;
    }
  }

  /**
   * For a caller whose own statement appends `leaves` leaves (leafParameters) in its own transaction and commits them
   * durably before it returns, e.g. a document check that looks up and logs in one round trip: runs it at once when no
   * group commit is in flight, in that commit's place (concurrent record() calls wait behind it and share the next
   * one). Undefined when one is in flight: then do the work without the leaves and record() them, to share a commit.
   */
  commitAlone<R>(leaves: number, statement: () => Promise<R>): Promise<R> | undefined {
    return this.group.alone(leaves, statement);
  }

  /** Commits and leaves carried by group commit since start. */
  get groupCommitStats(): { commits: number; items: number } {
    return { ...this.group.stats };
  }

  /**
   * Brings the in-memory tree up to the database, hashing the stored leaf bytes (not the stored hashes). One pass at a
   * time: two at once (the tree-head timer and a proof request) would both append the same leaves to the tree.
   */
  catchUp(opts: { fromScratch?: boolean } = {}): Promise<number> {
    const run = (): Promise<number> => {
      if (opts.fromScratch) {
        this.tree = new MerkleTree();
      }
      return this.catchUpOnce();
    };
    const pass = (this.catching ?? Promise.resolve(0)).then(run, run);
    this.catching = pass;
    return pass;
  }

  private catching?: Promise<number>;

  private async catchUpOnce(): Promise<number> {
    for (;;) {
      const rows = await this.repo.leafBytes(this.ds, this.tree.size, CATCH_UP_PAGE);
      if (rows.length === 0) {
        return this.tree.size;
      }
      // In slices: the leaves of a whole head interval (thousands under load) hashed in one go held every request
      // behind them for tens of milliseconds each time a head was due (#19's hit/no-hit p99).
      await mapInSlices(rows, (r) => {
        if (r.index !== this.tree.size) {
          throw new Error(`exchange log has a gap at leaf ${this.tree.size}: a row was deleted`);
        }
        this.tree.append(leafHashOf(r.leaf));
      });
    }
  }

  /** Rebuilds the tree from scratch and checks it against the newest stored signed head. */
  async verifyAgainstStoredHeads(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await this.catchUp({ fromScratch: true });
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
    const heads = await this.repo.treeHeads(this.ds);
    for (const h of heads) {
      const size = h.treeSize;
      if (size > this.tree.size) {
        return {
          ok: false,
          detail: `head at size ${size} is beyond the ${this.tree.size} stored leaves: leaves were deleted`,
        };
      }
      if (!Buffer.from(this.tree.rootAt(size)).equals(h.rootHash)) {
        return {
          ok: false,
          detail: `stored leaves no longer match the signed head at size ${size}: a leaf before ${size} was altered`,
        };
      }
    }
    return { ok: true };
  }

  get size(): number {
    return this.tree.size;
  }

  rootAt(size: number): Uint8Array {
    return this.tree.rootAt(size);
  }

  /** Signs a head over everything committed so far, stores it and publishes it to the secretariat. */
  async publishHead(): Promise<SignedTreeHead> {
    await this.catchUp();
    const size = this.tree.size;
    if (this.lastHead && this.lastHeadSize === size) {
      return this.lastHead;
    }
    const sth = signTreeHead({
      head: {
        gateway: this.trust.own.country,
        treeSize: size,
        rootHash: this.tree.rootAt(size),
        timestampMs: Date.now(),
      },
      privateKey: this.trust.own.key,
      certFingerprint: this.trust.own.fingerprint,
    });
    // A synchronous commit: it also makes durable every leaf this head covers (some were committed asynchronously),
    // so a head is never published over leaves a crash could lose.
    await this.repo.saveTreeHead(this.ds, {
      treeSize: size,
      rootHash: Buffer.from(this.tree.rootAt(size)),
      timestampMs: Date.now(),
      sth: Buffer.from(toBinary(SignedTreeHeadSchema, sth)),
    });
    await this.kafka.send(this.headsTopic, [
      { key: this.trust.own.country, value: toBinary(SignedTreeHeadSchema, sth) },
    ]);
    this.lastHead = sth;
    this.lastHeadSize = size;
    return sth;
  }

  private lastHeadSize = -1;

  async inclusionProof(index: number, treeSize: number): Promise<Uint8Array[]> {
    await this.catchUp();
    return this.tree.inclusionProof({ index, treeSize });
  }

  async consistencyProof(oldSize: number, newSize: number): Promise<Uint8Array[]> {
    await this.catchUp();
    return this.tree.consistencyProof({ oldSize, newSize });
  }

  async leaves(
    from: number,
    limit: number,
  ): Promise<{ index: number; leaf: Buffer; event: string; messageId: string | null }[]> {
    const rows = await this.repo.leaves(this.ds, from, limit);
    return rows.map((r) => ({ index: r.index, leaf: r.leaf, event: r.event, messageId: r.messageId }));
  }

  /** Everything an offline verifier needs: every leaf as stored, every signed head. */
  async export(): Promise<AuditExport> {
    const leaves: { leafBytes: Uint8Array; leafHash: Uint8Array }[] = [];
    for (let from = 0; ;) {
      const rows = await this.repo.leaves(this.ds, from, 10_000);
      if (!rows.length) {
        break;
      }
      for (const r of rows) {
        leaves.push({ leafBytes: r.leaf, leafHash: r.leafHash });
      }
      from = rows[rows.length - 1].index + 1;
    }
    const heads = await this.repo.treeHeads(this.ds);
    return buildExport({
      gateway: this.trust.own.country,
      certPem: this.trust.own.certPem,
      leaves,
      heads: heads.map((h) => decodeSignedTreeHead(h.sth)),
    });
  }
}

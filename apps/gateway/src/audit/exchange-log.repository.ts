// The exchange log: append-only leaves (corridor_append_leaves takes the log lock, reads the next index and inserts
// in one round trip) and the signed tree heads. Every statement on audit_leaves and tree_heads is here.
import { queryPrepared } from '@corridor/platform';
import type { Db } from '../exchange/exchange.repository';
import type { LeafParameters } from '../inbox/inbox.repository';

export interface StoredLeaf {
  index: number;
  leaf: Buffer;
  leafHash: Buffer;
  event: string;
  messageId: string | null;
}

export class ExchangeLogRepository {
  /** Appends leaves inside the caller's transaction. */
  async append(db: Db, leaves: LeafParameters): Promise<void> {
    await queryPrepared(db, 'corridor_append', 'select corridor_append_leaves($1, $2, $3, $4)', leaves);
  }

  /** Only the index and bytes of leaves from `from`, in order: what rebuilding the tree reads. */
  async leafBytes(db: Db, from: number, limit: number): Promise<{ index: number; leaf: Buffer }[]> {
    const rows = await queryPrepared<{ idx: string; leaf: Buffer }>(
      db,
      'audit_leaf_bytes',
      'select idx, leaf from audit_leaves where idx >= $1 order by idx limit $2',
      [from, limit],
    );
    return rows.map((r) => ({ index: Number(r.idx), leaf: r.leaf }));
  }

  /** Up to `limit` leaves from index `from`, in order. */
  async leaves(db: Db, from: number, limit: number): Promise<StoredLeaf[]> {
    const rows = await db.query<
      { idx: string; leaf: Buffer; leaf_hash: Buffer; event: string; message_id: string | null }[]
    >(
      'select idx, leaf, leaf_hash, event, message_id from audit_leaves where idx >= $1 order by idx limit $2',
      [from, limit],
    );
    return rows.map((r) => ({
      index: Number(r.idx),
      leaf: r.leaf,
      leafHash: r.leaf_hash,
      event: r.event,
      messageId: r.message_id,
    }));
  }

  async treeHeads(db: Db): Promise<{ treeSize: number; rootHash: Buffer; sth: Buffer }[]> {
    const rows = await db.query<{ tree_size: string; root_hash: Buffer; sth: Buffer }[]>(
      'select tree_size, root_hash, sth from tree_heads order by tree_size',
    );
    return rows.map((r) => ({ treeSize: Number(r.tree_size), rootHash: r.root_hash, sth: r.sth }));
  }

  /** Stores a signed head (a synchronous commit, which also makes durable every leaf it covers). */
  async saveTreeHead(
    db: Db,
    h: { treeSize: number; rootHash: Buffer; timestampMs: number; sth: Buffer },
  ): Promise<void> {
    await db.query(
      'insert into tree_heads (tree_size, root_hash, timestamp_ms, sth) values ($1, $2, $3, $4) on conflict (tree_size) do nothing',
      [h.treeSize, h.rootHash, h.timestampMs, h.sth],
    );
  }
}

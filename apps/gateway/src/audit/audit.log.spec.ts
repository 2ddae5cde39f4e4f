import { leafHashOf, MerkleTree } from '@corridor/audit-log';
import { AuditLog, CATCH_UP_PAGE } from './audit.log';
import type { ExchangeLogRepository } from './exchange-log.repository';

/** The exchange log's stored leaves, as leafBytes reads them: an in-memory table (unit test of the catch-up logic). */
function storedLeaves(count: number): { index: number; leaf: Buffer }[] {
  return Array.from({ length: count }, (_, i) => ({ index: i, leaf: Buffer.from(`leaf ${i}`) }));
}

function logOver(rows: { index: number; leaf: Buffer }[]): { log: AuditLog; pages: number[][] } {
  const pages: number[][] = [];
  const repo = {
    leafBytes: (_db: unknown, from: number, limit: number) => {
      pages.push([from, limit]);
      return Promise.resolve(rows.filter((r) => r.index >= from).slice(0, limit));
    },
  } as unknown as ExchangeLogRepository;
  const log = new AuditLog({} as never, repo, {} as never, {} as never, 'corridor.heads', {} as never);
  return { log, pages };
}

describe('AuditLog catch-up', () => {
  const count = 2 * CATCH_UP_PAGE + 500;

  it('rebuilds the tree from the stored leaf bytes, page by page', async () => {
    const rows = storedLeaves(count);
    const { log, pages } = logOver(rows);
    await expect(log.catchUp()).resolves.toBe(count);
    const expected = MerkleTree.fromLeafHashes(rows.map((r) => leafHashOf(r.leaf)));
    expect(Buffer.from(log.rootAt(count))).toEqual(Buffer.from(expected.root()));
    expect(pages).toEqual([
      [0, CATCH_UP_PAGE],
      [CATCH_UP_PAGE, CATCH_UP_PAGE],
      [2 * CATCH_UP_PAGE, CATCH_UP_PAGE],
      [count, CATCH_UP_PAGE],
    ]);
  });

  it('lets other work run while it hashes a page (a request arriving then does not wait for the whole page)', async () => {
    const { log } = logOver(storedLeaves(CATCH_UP_PAGE));
    let sizeSeen = -1;
    const pass = log.catchUp();
    // queued after the page is read: runs between two slices of its leaves, not after all of them
    void Promise.resolve().then(() =>
      setImmediate(() => {
        sizeSeen = log.size;
      }),
    );
    await pass;
    expect(sizeSeen).toBeGreaterThan(0);
    expect(sizeSeen).toBeLessThan(CATCH_UP_PAGE);
  });

  it('refuses a log with a gap (a deleted row) and names the index', async () => {
    const rows = storedLeaves(10).filter((r) => r.index !== 6);
    const { log } = logOver(rows);
    await expect(log.catchUp()).rejects.toThrow('exchange log has a gap at leaf 6: a row was deleted');
  });
});

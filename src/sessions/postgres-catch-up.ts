import type pg from 'pg';
import { type SessionRow, sessionFromRow } from './session-row.js';
import type { SessionChange } from './session-store.js';

/**
 * What a router has read: every transaction below `xmax` except those in `xip` (still running
 * when it read). A row whose `txn` is in `xip` or at least `xmax` may still come: the next read
 * looks exactly there. So writers never take turns, and a transaction that began first but
 * commits last is read once it commits, however long it ran.
 */
export interface Frontier {
  xmax: string;
  xip: readonly string[];
}

/** Before the first read: every row. */
const EVERYTHING: Frontier = { xmax: '0', xip: [] };

/** `pg_current_snapshot()` as text, `xmin:xmax:xip1,xip2,...`. */
export function frontierOf(snapshot: string): Frontier {
  const [, xmax, xip] = snapshot.split(':');
  if (xmax === undefined || !/^\d+$/.test(xmax)) throw new Error(`not a PostgreSQL snapshot: ${snapshot}`);
  return { xmax, xip: xip ? xip.split(',') : [] };
}

/** Where a read continues: rows of `base`, after (`txn`, `id`) when a page was full; `next` is the frontier once `base` is read to its end. */
interface Cursor {
  base: Frontier;
  after?: { txn: string; id: string };
  next?: Frontier;
}

// Each half walks the (txn, id) index; the snapshot is the statement's own, the one its rows were read in.
const PAGE = `
SELECT pg_current_snapshot()::text AS snapshot, page.* FROM (
  (SELECT *, txn::text AS txn_text FROM sessions WHERE txn = ANY($1::xid8[]) AND (txn, id) > ($3::xid8, $4) ORDER BY txn, id LIMIT $5)
  UNION ALL
  (SELECT *, txn::text AS txn_text FROM sessions WHERE txn >= $2::xid8 AND (txn, id) > ($3::xid8, $4) ORDER BY txn, id LIMIT $5)
) page ORDER BY txn, id LIMIT $5`;

type Row = SessionRow & { snapshot: string; txn_text: string };

/**
 * The cursors a router's reads stand at. The sessions service keeps a number (`seq`) and hands it
 * back; here that number names a cursor. Only the last few are kept: the service asks for the last one.
 */
export class CatchUpCursors {
  private readonly cursors = new Map<number, Cursor>();
  private last = 0;

  /** The number for a snapshot's frontier (the start: what the snapshot read). */
  start(snapshot: string): number {
    return this.keep({ base: frontierOf(snapshot) });
  }

  /** The next page of rows written since cursor `seq`, each with the number of the cursor after it. */
  async read(client: Pick<pg.Pool, 'query'>, seq: number, limit: number): Promise<SessionChange[]> {
    for (;;) {
      const at = this.cursors.get(seq) ?? { base: EVERYTHING };
      const lowest = [at.base.xmax, ...at.base.xip].reduce((a, b) => (BigInt(b) < BigInt(a) ? b : a));
      // `(txn, id) > (lowest, '')` takes in every id of txn `lowest`: '' sorts before any id.
      const after = at.after ?? { txn: lowest, id: '' };
      // Named: parsed and planned once per connection (its plan is index scans, whatever the table's size when it is planned).
      const { rows } = await client.query<Row>({ name: 'sessions-catch-up-page', text: PAGE, values: [at.base.xip, at.base.xmax, after.txn, after.id, limit] });
      if (rows.length === 0) {
        if (!at.after || !at.next) return [];
        // The pass ended on a full page: the next pass starts where its first page's snapshot stood.
        this.cursors.set(seq, { base: at.next });
        continue;
      }
      // The first page of a pass says where the next pass starts: what its snapshot had not seen.
      const next = at.next ?? frontierOf(rows[0]!.snapshot);
      const last = rows[rows.length - 1]!;
      const seqAfter = this.keep(rows.length < limit ? { base: next } : { base: at.base, after: { txn: last.txn_text, id: last.id }, next });
      return rows.map((r) => ({ seq: seqAfter, session: sessionFromRow(r) }));
    }
  }

  private keep(cursor: Cursor): number {
    const seq = ++this.last;
    this.cursors.set(seq, cursor);
    for (const old of this.cursors.keys()) if (old < seq - 8) this.cursors.delete(old);
    return seq;
  }
}

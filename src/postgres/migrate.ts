import type pg from 'pg';

/** A component's schema: each step brings it from version i to i + 1. Never edit a step that has shipped: add one. */
export interface Migrations {
  component: string;
  steps: readonly string[];
}

// One lock for every component: routers starting together take turns, and each step runs once.
const MIGRATION_LOCK = 0x63616c6c; // "call"

/**
 * Brings `component` to the newest version in one transaction under an advisory lock, so ten
 * routers starting at once migrate once and none sees a half-made schema. Refuses a database
 * that a newer version of the router has migrated past what this one knows.
 */
export async function migrate(pool: pg.Pool, { component, steps }: Migrations): Promise<{ from: number; to: number }> {
  const client = await pool.connect();
  // The pool listens for errors only on idle clients: a server that stops mid-migration must not end the process.
  let broken: Error | undefined;
  const onError = (e: Error) => (broken = e);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT PRIMARY KEY, version INTEGER NOT NULL, migrated_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations WHERE component = $1', [component]);
    const from = rows[0]?.version ?? 0;
    if (from > steps.length) {
      throw new Error(
        `the ${component} tables in PostgreSQL were migrated by a newer version of the router (schema ${from}, this one knows ${steps.length}): upgrade this router, or point DATABASE_URL at another database`,
      );
    }
    for (let v = from; v < steps.length; v++) await client.query(steps[v]!);
    if (from < steps.length) {
      await client.query('INSERT INTO schema_migrations (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version, migrated_at = now()', [component, steps.length]);
    }
    await client.query('COMMIT');
    return { from, to: steps.length };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

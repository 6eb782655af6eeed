import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, type Migrations } from '../src/postgres/migrate.js';
import { openPool, shownUrl } from '../src/postgres/open-pool.js';
import { usePostgres } from './helpers/postgres.js';

const postgres = usePostgres();
const pools: pg.Pool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

function pool(url: string): pg.Pool {
  const p = openPool({ url, max: 2, log: () => {} });
  pools.push(p);
  return p;
}

// Each step leaves a trace, so a step run twice shows.
const orders: Migrations = {
  component: 'orders',
  steps: ['CREATE TABLE orders (id TEXT PRIMARY KEY); CREATE TABLE ran (step INTEGER); INSERT INTO ran VALUES (1)', 'ALTER TABLE orders ADD COLUMN pin TEXT; INSERT INTO ran VALUES (2)'],
};

describe('migrations in PostgreSQL', () => {
  it('run each step once when ten routers start at the same moment', async () => {
    const url = await postgres.database();
    const results = await Promise.all(Array.from({ length: 10 }, () => migrate(pool(url), orders)));
    expect(results.filter((r) => r.from === 0 && r.to === 2)).toHaveLength(1);
    expect(results.filter((r) => r.from === 2 && r.to === 2)).toHaveLength(9);
    const { rows } = await pool(url).query('SELECT step FROM ran ORDER BY step');
    expect(rows.map((r) => r.step)).toEqual([1, 2]);
  });

  it('bring an older schema up step by step and keep each component apart', async () => {
    const url = await postgres.database();
    expect(await migrate(pool(url), { ...orders, steps: orders.steps.slice(0, 1) })).toEqual({ from: 0, to: 1 });
    expect(await migrate(pool(url), orders)).toEqual({ from: 1, to: 2 });
    expect(await migrate(pool(url), { component: 'other', steps: ['CREATE TABLE other (x INTEGER)'] })).toEqual({ from: 0, to: 1 });
    const { rows } = await pool(url).query('SELECT component, version FROM schema_migrations ORDER BY component');
    expect(rows).toEqual([
      { component: 'orders', version: 2 },
      { component: 'other', version: 1 },
    ]);
  });

  it('refuse a database a newer router migrated, saying what to do, and change nothing', async () => {
    const url = await postgres.database();
    await migrate(pool(url), orders);
    await expect(migrate(pool(url), { ...orders, steps: orders.steps.slice(0, 1) })).rejects.toThrow(
      'the orders tables in PostgreSQL were migrated by a newer version of the router (schema 2, this one knows 1): upgrade this router, or point DATABASE_URL at another database',
    );
  });

  it('undo a failed step whole: the next start tries again from the same version', async () => {
    const url = await postgres.database();
    await expect(migrate(pool(url), { component: 'broken', steps: ['CREATE TABLE half (x INTEGER)', 'CREATE TABLE half (x INTEGER)'] })).rejects.toThrow(/already exists/);
    const { rows } = await pool(url).query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'half'");
    expect(rows[0].n).toBe(0);
  });

  it('never show the password of DATABASE_URL', () => {
    expect(shownUrl('postgres://router:s3cret@db.internal:5432/calls')).toBe('postgres://router:***@db.internal:5432/calls');
    expect(shownUrl('not a url')).toBe('the DATABASE_URL (it is not a valid URL)');
  });
});

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { startCluster, type Cluster } from './postgres-cluster.js';

/**
 * A real PostgreSQL for the tests of this file: the server `.ci/run` started (TEST_DATABASE_URL)
 * or, without one, a private server started for this file. Each call to `database()` creates an
 * empty database of its own, so tests never see each other's rows; all are dropped at the end.
 */
export function usePostgres(): { database(): Promise<string>; readonly serverUrl: string } {
  let cluster: Cluster | undefined;
  let serverUrl = process.env.TEST_DATABASE_URL ?? '';
  const created: string[] = [];

  beforeAll(async () => {
    if (!serverUrl) {
      cluster = await startCluster();
      serverUrl = cluster.url;
    }
  }, 120_000);

  afterAll(async () => {
    if (cluster) {
      cluster.stop();
      return;
    }
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }, 60_000);

  return {
    get serverUrl() {
      return serverUrl;
    },
    async database() {
      const name = `t_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      created.push(name);
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
  };
}

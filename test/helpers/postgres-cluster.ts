import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A throwaway PostgreSQL server for the tests, from the machine's own binaries (Debian's
 * `postgresql` package: `apt-get install -y postgresql`). `.ci/run` starts one for the whole run
 * (`tsx test/helpers/postgres-cluster.ts start`) and passes its URL as TEST_DATABASE_URL; without
 * it, each test file that needs PostgreSQL starts its own (see postgres.ts).
 *
 * PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user the package creates.
 */
export interface Cluster {
  url: string;
  dir: string;
  stop(): void;
  /** Stops the server and keeps its data (as an outage would); `start()` brings it back on the same port. */
  halt(): void;
  start(): void;
}

function findPostgresBin(): string {
  const fromEnv = process.env.POSTGRES_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions[0]) return join(root, versions[0], 'bin');
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return join(onPath, '..');
  throw new Error('PostgreSQL is not installed: the tests need a real server. Install it with `apt-get install -y postgresql` (or set TEST_DATABASE_URL to one you run, or POSTGRES_BIN to its bin folder).');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startCluster(): Promise<Cluster> {
  const bin = findPostgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'call-router-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  // Trust on a private socket and 127.0.0.1 only; fsync off: nothing here outlives the run.
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  start();
  // A clean stop (-m fast): with synchronous_commit=off above, an immediate stop would lose the last
  // commits the server had acknowledged, which is the test server's shortcut, not the router's doing.
  const halt = () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  const stop = () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already stopped (or never started): the folder goes either way.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir, stop, halt, start };
}

// As a command, for .ci/run: `start STATE_FILE` prints the URL, `stop STATE_FILE` stops that server.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command, stateFile] = process.argv.slice(2);
  if (!stateFile || (command !== 'start' && command !== 'stop')) {
    console.error('usage: tsx test/helpers/postgres-cluster.ts start|stop STATE_FILE');
    process.exit(2);
  }
  if (command === 'start') {
    const cluster = await startCluster();
    writeFileSync(stateFile, JSON.stringify({ dir: cluster.dir, bin: findPostgresBin() }));
    console.log(cluster.url);
  } else if (existsSync(stateFile)) {
    const { dir, bin } = JSON.parse(readFileSync(stateFile, 'utf8')) as { dir: string; bin: string };
    const args = ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop'];
    if (process.getuid?.() === 0) spawnSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args]);
    else spawnSync(join(bin, 'pg_ctl'), args);
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateFile, { force: true });
  }
}

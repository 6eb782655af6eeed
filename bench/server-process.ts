/** The server under test, in its own process: spawn it, wait for its first answer, read its memory, stop it. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pinned } from './wrk-load.js';

export const HOST = '127.0.0.1';

export interface ServerUnderTest {
  name: string;
  port: number;
  url: string;
  process: ChildProcess;
  /** Spawn to the first 200 from GET /healthz, in ms. */
  startupMs: number;
  stderr(): string;
}

/** A port the OS just gave us on loopback; free again by the time the server binds it. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts `node ARGS` with stdout (the router's JSON log lines) sent to /dev/null, so the bench
 * process spends no time reading them, and waits for GET /healthz to answer 200.
 */
export async function startServer(name: string, args: (port: number) => string[], timeoutMs: number, options: { core?: string; env?: NodeJS.ProcessEnv; childCores?: string } = {}): Promise<ServerUnderTest> {
  const port = await freePort();
  const started = performance.now();
  // taskset execs node in place, so the child's pid is the server's (for schedstat and VmRSS).
  const [cmd, argv] = pinned(options.core, process.execPath, args(port));
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...options.env } });
  // The first load of a big folder runs in the rules loader (a child): unpinned, as in production.
  const repin = options.core && options.childCores ? unpinChildren({ process: child }, options.childCores, 10) : () => {};
  try {
    return await firstAnswer(name, child, port, started, timeoutMs);
  } finally {
    repin();
  }
}

async function firstAnswer(name: string, child: ChildProcess, port: number, started: number, timeoutMs: number): Promise<ServerUnderTest> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const url = `http://${HOST}:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before answering:\n${stderr}`);
    if (performance.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer GET /healthz within ${timeoutMs} ms:\n${stderr}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(10);
  }
  return { name, port, url, process: child, startupMs: performance.now() - started, stderr: () => stderr };
}

/** Resident memory of the server process now (VmRSS), in MB. */
export async function rssMb(server: ServerUnderTest): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${server.process.pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined; // not Linux
  }
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s. */
export async function stopServer(server: ServerUnderTest): Promise<void> {
  const child = server.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  return await res.json();
}

/**
 * Lets the server's child processes (the rules loader) run on every core while the server
 * stays pinned: a child inherits its parent's pinning, but in production nothing is pinned, so
 * a loader held to the server's core would measure the bench, not the router. Checks every
 * `everyMs` until the returned function is called.
 */
export function unpinChildren(server: Pick<ServerUnderTest, 'process'>, cores: string, everyMs = 50): () => void {
  const done = new Set<string>();
  const timer = setInterval(() => {
    const pid = server.process.pid;
    if (pid === undefined) return;
    let children: string[] = [];
    try {
      children = readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
    } catch {
      return; // not Linux, or the server is gone
    }
    for (const child of children) {
      if (done.has(child)) continue;
      done.add(child);
      spawnSync('taskset', ['-a', '-p', '-c', cores, child], { stdio: 'ignore' });
    }
  }, everyMs);
  return () => clearInterval(timer);
}

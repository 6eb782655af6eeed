import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ensureBuilt, root } from './helpers/built-cli.js';
import { copiesOf, envOf, execForm, parseDockerfile, type Stage } from './helpers/dockerfile.js';
import { spawnForTest, stopChild } from './helpers/processes.js';

const run = promisify(execFile);
const stages = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1)!;
const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** Where a path of a stage's file system comes from in this checkout after `npm run build`. */
function inCheckout(stage: Stage, path: string): string {
  const relative = posix.relative(stage.workdir, posix.resolve(stage.workdir, path));
  expect(relative.startsWith('..'), `${path} is outside ${stage.name}'s WORKDIR ${stage.workdir}`).toBe(false);
  return relative;
}

/** A context path a COPY reads: [stage, path in the checkout]. --from=STAGE copies map through that stage's WORKDIR. */
function sourcesOf(stage: Stage) {
  return copiesOf(stage).flatMap((copy) => {
    const from = copy.from ? stages.find((s) => s.name === copy.from) : undefined;
    if (copy.from) expect(from, `COPY --from=${copy.from} names no stage`).toBeDefined();
    return copy.sources.map((source) => ({ copy, source, path: from ? inCheckout(from, source) : source }));
  });
}

/**
 * What `npm ci --omit=dev` installs, as links into this checkout's node_modules: every package the
 * lockfile does not mark dev-only. A dev dependency imported by dist/ then fails here as in the image.
 */
function linkProductionDependencies(dest: string): void {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  for (const [path, info] of Object.entries(lock.packages)) {
    const name = path.slice('node_modules/'.length);
    if (!path.startsWith('node_modules/') || name.includes('/node_modules/') || info.dev) continue;
    mkdirSync(dirname(join(dest, name)), { recursive: true });
    symlinkSync(join(root, path), join(dest, name));
  }
}

beforeAll(ensureBuilt, 120_000);

describe('Dockerfile', () => {
  it('builds in full node:20-bookworm stages and runs on node:20-bookworm-slim as a non-root user', () => {
    expect(stages.map((s) => s.image)).toEqual(['node:20-bookworm', 'node:20-bookworm', 'node:20-bookworm-slim']);
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.rest;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime.instructions.some((i) => i.keyword === 'EXPOSE' && i.rest === '3000')).toBe(true);
  });

  it.each(stages.flatMap((stage) => sourcesOf(stage).map((s) => ({ stage: stage.name, ...s }))))('$stage: COPY $source exists after npm run build', ({ copy, path }) => {
    expect(existsSync(join(root, path)), `${path} does not exist`).toBe(true);
    if (!copy.from) {
      const hit = ignored.find((p) => path === p || path.startsWith(`${p}/`));
      expect(hit, `${path} is excluded by .dockerignore (${hit})`).toBeUndefined();
    }
  });

  it('CMD runs the built CLI with node directly (exec form), from a file the runtime stage copies', () => {
    const cmd = execForm(runtime, 'CMD');
    expect(cmd).toEqual(['node', 'dist/cli/main.js', 'serve']);
    expect(existsSync(join(root, cmd![1]!))).toBe(true);
    const shipped = copiesOf(runtime).map((c) => posix.relative(runtime.workdir, posix.resolve(runtime.workdir, c.dest)));
    expect(shipped.some((dest) => cmd![1]!.startsWith(`${dest}/`))).toBe(true);
  });

  it('the runtime stage holds all the server needs: its CMD serves and its HEALTHCHECK passes', async () => {
    // The runtime image's files, laid out from its COPY lines (node_modules linked, not copied).
    const image = mkdtempSync(join(tmpdir(), 'router-image-'));
    onTestFinished(() => rmSync(image, { recursive: true, force: true }));
    for (const { copy, source, path } of sourcesOf(runtime)) {
      const dest = join(image, inCheckout(runtime, copy.sources.length > 1 || copy.dest.endsWith('/') ? posix.join(copy.dest, posix.basename(source)) : copy.dest));
      mkdirSync(dirname(dest), { recursive: true });
      if (path === 'node_modules') linkProductionDependencies(dest);
      else cpSync(join(root, path), dest, { recursive: true });
    }
    mkdirSync(join(image, 'data'));
    const [, ...args] = execForm(runtime, 'CMD')!;
    const env = { ...envOf(runtime), CALL_LOG: join(image, 'data/calls.sqlite'), HOST: '127.0.0.1', PORT: '0', PATH: process.env.PATH ?? '' };
    const server = spawnForTest(process.execPath, args, { cwd: image, env });
    let output = '';
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    const port = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', () => {
        const m = /Listening on http:\/\/\S+:(\d+)/.exec(output);
        if (m) resolve(m[1]!);
      });
      server.once('exit', (code) => reject(new Error(`the image's CMD exited with ${code}:\n${output}`)));
    });

    const [node, ...check] = execForm(runtime, 'HEALTHCHECK')!;
    expect(node).toBe('node');
    await expect(run(process.execPath, check, { env: { ...env, PORT: port }, timeout: 30_000 })).resolves.toBeDefined();
    expect(await stopChild(server)).toBe(0);
    // With the server gone the same check fails, so it really asks the server.
    await expect(run(process.execPath, check, { env: { ...env, PORT: port }, timeout: 30_000 })).rejects.toMatchObject({ code: 1 });
  });
});

import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { generateRules } from '../bench/make-rules-folder.js';
import { decide } from '../src/engine/decide.js';
import type { RuleSet } from '../src/engine/rule-set.js';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { validateCommand } from '../src/cli/validate-command.js';
import { loadFirstRules } from '../src/reload/load-first-rules.js';
import { RulesLoaderWorker } from '../src/reload/load-rules-in-worker.js';
import { cacheKey, readCachedRules } from '../src/reload/rules-cache.js';
import { loadRules } from '../src/rules/load-rules.js';
import { readRulesDir } from '../src/rules/read-rules-dir.js';
import { capture } from './helpers/capture.js';
import { removeDir, tempDir } from './helpers/reload-harness.js';

// Over the 2 MB at which the first load goes through the loader (and so the cache).
const RULES = 12_000;

const loaders: RulesLoaderWorker[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(loaders.splice(0).map((l) => l.close()));
  for (const d of dirs.splice(0)) await removeDir(d);
});

async function folder(): Promise<{ rules: string; cache: string }> {
  const root = await tempDir();
  dirs.push(root);
  const rules = join(root, 'rules');
  await generateRules(rules, RULES, 2);
  return { rules, cache: join(root, 'cache') };
}

function newLoader(cacheDir: string): RulesLoaderWorker {
  const loader = new RulesLoaderWorker({ cacheDir });
  loaders.push(loader);
  return loader;
}

/** The loader writes the cache after answering: wait for its file (bounded: a loaded machine is slow). */
async function cacheFiles(cache: string, timeoutMs = 60_000): Promise<string[]> {
  const started = Date.now();
  for (;;) {
    const files = existsSync(cache) ? (await readdir(cache)).filter((f) => f.endsWith('.bin')) : [];
    if (files.length > 0 || Date.now() - started > timeoutMs) return files;
    await sleep(50);
  }
}

/** Where rule `i` of the generated folder (make-rules-folder.ts) sends a call to its own virtual number and source prefix. */
function numberFor(ruleSet: RuleSet, i: number): unknown {
  const event = makeCallActionPayload({ destinationRefId: `vn-ref-${i}`, source: `+65${9000 + (i % 1000)}1234` });
  const makeCall = decide(ruleSet, event, { now: new Date('2026-03-02T03:00:00Z') }).response.callflow.find((a) => a.action === 'makeCall');
  expect(makeCall).toBeDefined();
  return makeCall;
}

describe('the compiled-rules cache', () => {
  it('starts from the cache when the files are unchanged, answering as a compile does', async () => {
    const { rules, cache } = await folder();
    const cold = await loadFirstRules(newLoader(cache), rules, cache);
    expect(cold.ruleSet?.rules.length).toBe(RULES);
    expect(await cacheFiles(cache)).toHaveLength(1);

    const loader = newLoader(cache);
    const warm = await loadFirstRules(loader, rules, cache);
    // A fresh loader that was never asked: the rules came from the cache.
    expect(loader.lastLoad).toBeUndefined();
    expect(warm.diagnostics).toEqual(cold.diagnostics);
    const direct = (await loadRules(rules)).ruleSet!;
    expect(warm.ruleSet!.version).toBe(direct.version);
    for (const i of [0, 1, 5_000, RULES - 1]) expect(numberFor(warm.ruleSet!, i)).toEqual(numberFor(direct, i));
  });

  it('never uses an entry written for other rule files', async () => {
    const { rules, cache } = await folder();
    await loadFirstRules(newLoader(cache), rules, cache);
    expect(await cacheFiles(cache)).toHaveLength(1);
    const file = join(rules, 'rules-001.yaml');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('makeCall: "+6561011999"');
    await writeFile(file, text.replace('makeCall: "+6561011999"', 'makeCall: "+6561234567"'));

    const loader = newLoader(cache);
    const loaded = await loadFirstRules(loader, rules, cache);
    expect(loader.lastLoad).toBeDefined();
    expect(numberFor(loaded.ruleSet!, 11_999)).toMatchObject({ params: { destination: '+6561234567' } });
    expect(loaded.diagnostics.filter((d) => d.code === 'rules-cache-unusable')).toEqual([]);
  });

  it.each([
    {
      damage: 'a flipped byte',
      change: (b: Buffer) => {
        const at = b.length >> 1;
        b[at] = b[at]! ^ 0xff;
        return b;
      },
    },
    { damage: 'a truncated file', change: (b: Buffer) => b.subarray(0, b.length >> 1) },
    { damage: 'an empty file', change: () => Buffer.alloc(0) },
  ])('ignores a cache file with $damage, with a warning, and compiles the files', async ({ change }) => {
    const { rules, cache } = await folder();
    await loadFirstRules(newLoader(cache), rules, cache);
    const [name] = await cacheFiles(cache);
    const path = join(cache, name!);
    await writeFile(path, change(await readFile(path)));

    const loader = newLoader(cache);
    const loaded = await loadFirstRules(loader, rules, cache);
    expect(loader.lastLoad).toBeDefined();
    expect(loaded.ruleSet?.rules.length).toBe(RULES);
    const warning = loaded.diagnostics.find((d) => d.code === 'rules-cache-unusable');
    expect(warning).toMatchObject({ severity: 'warning' });
    expect(warning!.message).toContain(path);
    expect(numberFor(loaded.ruleSet!, 7)).toEqual(numberFor((await loadRules(rules)).ruleSet!, 7));
  });

  it('keys by every file name and text', async () => {
    const { rules } = await folder();
    const sources = await readRulesDir(rules);
    const key = await cacheKey(sources);
    expect(await cacheKey(await readRulesDir(rules))).toBe(key);
    const [first, ...others] = sources.ruleFiles;
    expect(await cacheKey({ ...sources, ruleFiles: [{ ...first!, text: `${first!.text}# a comment\n` }, ...others] })).not.toBe(key);
    expect(await cacheKey({ ...sources, ruleFiles: [{ ...first!, file: 'renamed.yaml' }, ...others] })).not.toBe(key);
    expect(await cacheKey({ ...sources, settings: undefined })).not.toBe(key);
  });

  it('reads nothing from a folder that has no entry', async () => {
    const { rules, cache } = await folder();
    expect(await readCachedRules(cache, await cacheKey(await readRulesDir(rules)))).toEqual({});
  });
});

describe('validate --write-rules-cache', () => {
  it('writes, for a folder that passes, the entry that the first start then adopts without compiling', async () => {
    const { rules, cache } = await folder();
    const out = capture();
    const err = capture();
    expect(await validateCommand([rules, '--write-rules-cache', cache], out, err)).toBe(0);
    expect(out.text).toMatch(new RegExp(`wrote the compiled rules \\(${RULES.toLocaleString('en')}\\) to ${cache}/rules-\\w+\\.bin: serve with RULES_CACHE=${cache}`));
    const loader = newLoader(cache);
    const started = await loadFirstRules(loader, rules, cache);
    // A fresh loader that was never asked: the rules came from what validate wrote.
    expect(loader.lastLoad).toBeUndefined();
    const direct = (await loadRules(rules)).ruleSet!;
    expect(started.ruleSet!.version).toBe(direct.version);
    for (const i of [0, RULES - 1]) expect(numberFor(started.ruleSet!, i)).toEqual(numberFor(direct, i));
  });

  it('writes nothing for a small folder (the server compiles it at start anyway) and says why', async () => {
    const root = await tempDir();
    dirs.push(root);
    const cache = join(root, 'cache');
    const out = capture();
    expect(await validateCommand(['rules', '--write-rules-cache', cache], out, capture())).toBe(0);
    expect(out.text).toMatch(/no rules cache written to .*: the rule files are [\d,]+ KB in all, under the 2 MB/);
    expect(existsSync(cache)).toBe(false);
  });

  it('fails, saying why, when the cache folder cannot be written', async () => {
    const { rules, cache } = await folder();
    await writeFile(cache, 'a file where the folder should be\n');
    const out = capture();
    const err = capture();
    expect(await validateCommand([rules, '--write-rules-cache', cache], out, err)).toBe(1);
    expect(out.text).toMatch(/^ok: /m);
    expect(err.text).toMatch(new RegExp(`error: could not write the rules cache to ${cache}: .*EEXIST.*; check that the folder can be created and written`));
  });

  it('writes nothing for a folder that fails, and says so', async () => {
    const { rules, cache } = await folder();
    await writeFile(join(rules, 'broken.yaml'), 'rules:\n  - id: broken\n    when: { source: "+65" }\n');
    const err = capture();
    expect(await validateCommand([rules, '--write-rules-cache', cache], capture(), err)).toBe(1);
    expect(err.text).toContain(`no rules cache written to ${cache}: validate failed`);
    expect(existsSync(cache)).toBe(false);
  });
});

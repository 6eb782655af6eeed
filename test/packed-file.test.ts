import { readFileSync, watch } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRequests, generateRuleFiles, writeRuleFiles } from '../bench/generate-rules.js';
import { decide } from '../src/engine/decide.js';
import type { RuleSet } from '../src/engine/rule-set.js';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { RulesLoaderWorker } from '../src/reload/load-rules-in-worker.js';
import { loadRules } from '../src/rules/load-rules.js';
import { decodePackedRuleSet, encodePackedRuleSet } from '../src/rules/packed-file.js';
import { isPackedRuleSet, packRuleSet, unpackRuleSet } from '../src/rules/packed-rule-set.js';
import type { CallActionPayload } from '../src/types/generated/call-action.js';
import { removeDir, tempDir } from './helpers/reload-harness.js';

const dirs: string[] = [];
let built: RuleSet;
let file: string;

beforeAll(async () => {
  const dir = await tempDir();
  dirs.push(dir);
  await writeRuleFiles(join(dir, 'rules'), generateRuleFiles(3000));
  const result = await loadRules(join(dir, 'rules'));
  if (!result.ruleSet) throw new Error(`rules do not load: ${JSON.stringify(result.diagnostics.slice(0, 2))}`);
  built = result.ruleSet;
  file = join(dir, 'packed.bin');
  await writeFile(file, Buffer.concat(encodePackedRuleSet(packRuleSet(built), { note: 'carried along' })));
});

afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

describe('a packed rule set written to a file and read back', () => {
  it('answers every call of the benchmark mix as the built set does, and carries what was sent with it', async () => {
    const { packed, extra } = decodePackedRuleSet(await readFile(file));
    expect(extra).toEqual({ note: 'carried along' });
    expect(isPackedRuleSet(packed)).toBe(true);
    const read = unpackRuleSet(packed);
    expect(read.version).toBe(built.version);
    expect(read.rules.length).toBe(built.rules.length);
    const now = new Date('2026-03-04T02:00:00Z');
    for (const request of generateRequests(3000, 300)) {
      const payload = makeCallActionPayload(request.payload as Partial<CallActionPayload>);
      expect(decide(read, payload, { now })).toEqual(decide(built, payload, { now }));
    }
  });

  it('reads the same from bytes that do not start on an 8-byte boundary (a pooled Buffer)', async () => {
    const bytes = await readFile(file);
    const shifted = Buffer.alloc(bytes.length + 3).subarray(3);
    bytes.copy(shifted);
    const read = unpackRuleSet(decodePackedRuleSet(shifted).packed);
    expect([...read.rules.slice(0, 50)]).toEqual(built.rules.slice(0, 50));
  });

  it.each([
    ['an empty file', (b: Buffer) => b.subarray(0, 0)],
    ['a file of another kind', (b: Buffer) => Buffer.concat([Buffer.from('PK\x03\x04'), b.subarray(4)])],
    ['a file cut inside its header', (b: Buffer) => b.subarray(0, 40)],
    ['a file cut inside its rules', (b: Buffer) => b.subarray(0, b.length - 1000)],
  ])('refuses %s with an error instead of rules that point outside it', async (_what, damage) => {
    expect(() => decodePackedRuleSet(damage(readFileSync(file)))).toThrow();
  });
});

describe('a reload in the loader process', () => {
  /** Loads twice with the loader's temporary folder set to `tmp` (it is forked with this environment). */
  async function loadWithTmp(dir: string, tmp: string): Promise<void> {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    const loader = new RulesLoaderWorker();
    try {
      for (let i = 0; i < 2; i++) {
        const result = await loader.load(join(dir, 'rules'));
        expect(result.diagnostics).toEqual([]);
        expect(result.ruleSet?.rules.length).toBe(2000);
      }
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await loader.close();
    }
  }

  it('hands its rules over through a file in the temporary folder and leaves none behind', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    await writeRuleFiles(join(dir, 'rules'), generateRuleFiles(2000));
    const seen = new Set<string>();
    const watcher = watch(tmp, (_event, name) => name && seen.add(name.toString()));
    try {
      await loadWithTmp(dir, tmp);
    } finally {
      watcher.close();
    }
    const handoff = (n: string) => /^router-rules-\d+-\d+\.bin$/.test(n);
    expect([...seen].filter(handoff).length).toBeGreaterThanOrEqual(1);
    // (tsx, which runs the loader from sources here, keeps its own cache there)
    expect((await readdir(tmp)).filter(handoff)).toEqual([]);
  });

  it('still delivers the rules when the temporary folder cannot be written (in the message instead)', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeRuleFiles(join(dir, 'rules'), generateRuleFiles(2000));
    await loadWithTmp(dir, join(dir, 'no-such-folder'));
  });
});

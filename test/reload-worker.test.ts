import { afterAll, describe, expect, it } from 'vitest';
import { loadRules } from '../src/rules/load-rules.js';
import { RulesLoaderWorker } from '../src/reload/load-rules-in-worker.js';
import { decide } from '../src/engine/decide.js';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { generateRules } from '../bench/make-rules-folder.js';
import { removeDir, SETTINGS, tempDir, writeFiles } from './helpers/reload-harness.js';

const MATCHERS = `rules:
  - id: every-kind
    when:
      source: { regex: "^\\\\+65[89]" }
      destination: { not: { prefix: ["+65 6833", "+1"] } }
      sourceCountryCode: [sg, { regex: "^m" }]
      dtmf: ["1", "2"]
    then:
      - say: "Hello {{source}}"
      - playFile: { fileUrl: "https://example.com/a.mp3", repetition: 2 }
      - makeCall: { destination: "+6587654321", callRecording: true }
  - id: indexed
    when: { destinationRefId: [vn-1, vn-2] }
    then: [hangup]
`;

const loader = new RulesLoaderWorker();
const dirs: string[] = [];
afterAll(async () => {
  await loader.close();
  for (const d of dirs) await removeDir(d);
});

describe('a load in the worker thread', () => {
  it.each([
    { folder: 'the sample rules', make: async () => 'rules' },
    { folder: 'every matcher kind', make: async () => { const d = await tempDir(); dirs.push(d); await writeFiles(d, { 'settings.yaml': SETTINGS, 'm.yaml': MATCHERS }); return d; } },
    { folder: 'more rules than one chunk, over several files', make: async () => { const d = await tempDir(); dirs.push(d); await generateRules(d, 2500, 3); return d; } },
  ])('builds the same rule set as loadRules for $folder', async ({ make }) => {
    const dir = await make();
    const { texts: _texts, ...direct } = await loadRules(dir);
    expect(direct.ruleSet).toBeDefined();
    const viaWorker = await loader.load(dir);
    expect(viaWorker).toEqual(direct);
    // The index must point at the very rule objects in `rules`, as buildRuleSet's does.
    const ruleSet = viaWorker.ruleSet!;
    const inIndex = [...ruleSet.index.byField.values()].flatMap((m) => [...m.values()].flat()).concat(ruleSet.index.unindexed);
    const same = new Set(ruleSet.rules);
    expect(inIndex.length).toBeGreaterThan(0);
    expect(inIndex.filter((rule) => !same.has(rule))).toEqual([]);
  });

  it('reports the same errors as loadRules for a bad folder', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFiles(dir, { 'settings.yaml': SETTINGS, 'bad.yaml': 'rules:\n  - id: a\n    then: [{ makeCall: "not a number" }]\n' });
    const { texts: _texts, ...direct } = await loadRules(dir);
    expect(direct.ruleSet).toBeUndefined();
    expect(await loader.load(dir)).toEqual(direct);
  });
});

describe('regexes handed over by the worker', () => {
  it('still match, compiled again on this side', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFiles(dir, { 'settings.yaml': SETTINGS, 'm.yaml': MATCHERS });
    const ruleSet = (await loader.load(dir)).ruleSet!;
    const payload = makeCallActionPayload({ source: '+6591234567', destination: '+6561234567', sourceCountryCode: 'MY', dtmf: '1' });
    expect(decide(ruleSet, payload).ruleId).toBe('every-kind');
    expect(decide(ruleSet, { ...payload, source: '+6561234567' }).ruleId).not.toBe('every-kind');
  });
});

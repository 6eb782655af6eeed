import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { simulateCommand } from '../src/cli/simulate-command.js';
import { checkRulesDir } from '../src/rule-tests/check-rules-dir.js';
import { loadRules } from '../src/rules/load-rules.js';
import { RulesLoaderWorker } from '../src/reload/load-rules-in-worker.js';
import { capture } from './helpers/capture.js';
import { DRIVER, MASKING_FOLDER, RIDER, VN1, writeFolder } from './helpers/sessions.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-rules-'));
  dirs.push(dir);
  writeFolder(dir, files);
  return dir;
}

describe('pools.yaml', () => {
  it('compiles pools with numbers normalised, ref ids and countries', async () => {
    const loaded = await loadRules(folder(MASKING_FOLDER));
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(loaded.ruleSet?.pools?.get('tiny')?.numbers).toEqual([{ number: VN1, refId: 'vn-ref-9', country: 'SG' }]);
    expect(loaded.ruleSet?.pools?.get('rides')?.numbers.map((n) => n.country)).toEqual(['SG', 'SG']);
  });

  it('reach the server through a reload in the worker thread too', async () => {
    const worker = new RulesLoaderWorker();
    try {
      const loaded = await worker.load(folder(MASKING_FOLDER));
      expect([...(loaded.ruleSet?.pools?.keys() ?? [])]).toEqual(['rides', 'tiny']);
    } finally {
      await worker.close();
    }
  });

  it.each([
    ['a number that is not one', 'pools:\n  - name: rides\n    numbers: ["+6568332049", "+65123"]\n', 'pools.yaml:3:30: bad-phone-number'],
    ['a number listed twice', 'pools:\n  - name: rides\n    numbers:\n      - "+6568332049"\n      - "+65 6833 2049"\n', 'pools.yaml:5:9: duplicate-pool-number'],
    ['two pools with one name', 'pools:\n  - name: rides\n    numbers: ["+6568332049"]\n  - name: rides\n    numbers: ["+6568332050"]\n', 'pools.yaml:4:11: duplicate-pool'],
    ['a misspelt key', 'pools:\n  - name: rides\n    number: ["+6568332049"]\n', 'pools.yaml:3:5: unknown-field'],
  ])('%s is an error at file:line:col', async (_name, text, expected) => {
    const dir = folder({ ...MASKING_FOLDER, 'pools.yaml': text });
    const loaded = await loadRules(dir);
    expect(loaded.ruleSet).toBeUndefined();
    expect(loaded.diagnostics.map((d) => `${d.file?.slice(dir.length + 1)}:${d.line}:${d.col}: ${d.code}`)).toContain(expected);
  });
});

describe('rule tests with sessions:', () => {
  it('routes through the sessions the test file names, and fails when the session is missing', async () => {
    const dir = folder(MASKING_FOLDER);
    mkdirSync(join(dir, 'tests'));
    writeFileSync(
      join(dir, 'tests', 'masking.yaml'),
      `sessions:
  - parties: ["${RIDER}", "${DRIVER}"]
    virtualNumber: "${VN1}"
    record: true
tests:
  - name: rider reaches driver
    call: { source: "${RIDER}", destination: "${VN1}" }
    expect:
      rule: ride-masking
      callflow:
        - makeCall: { destination: "${DRIVER}", callRecording: true }
  - name: a stranger gets the apology
    call: { source: "+6591119999", destination: "${VN1}" }
    expect:
      rule: ride-masking
      callflow:
        - say: This trip has ended.
        - hangup
  - name: an expired session no longer connects
    at: "2030-01-01T00:00:00Z"
    sessions:
      - parties: ["+6591110002", "+6592220002"]
        virtualNumber: "${VN1}"
        expiresAt: "2029-01-01T00:00:00Z"
    call: { source: "+6591110002", destination: "${VN1}" }
    expect:
      rule: ride-masking
      callflow:
        - makeCall: "+6592220002"
`,
    );
    const result = await checkRulesDir(dir, undefined);
    expect(result.testsPassed).toBe(2);
    expect(result.testsFailed).toBe(1);
    const failed = result.diagnostics.filter((d) => d.code === 'rule-test-failed');
    expect(failed.map((d) => d.message)).toEqual(['test "an expired session no longer connects" failed: rule ride-masking answered, but with a different callflow']);
  });

  it('a session with a bad number is an error at file:line:col', async () => {
    const dir = folder(MASKING_FOLDER);
    mkdirSync(join(dir, 'tests'));
    writeFileSync(join(dir, 'tests', 't.yaml'), `sessions:\n  - parties: ["${RIDER}", "driver"]\n    virtualNumber: "${VN1}"\ntests: []\n`);
    const result = await checkRulesDir(dir, undefined);
    expect(result.diagnostics.map((d) => `${d.file?.slice(dir.length + 1)}:${d.line}:${d.col}: ${d.code}`)).toContain('tests/t.yaml:2:30: bad-phone-number');
  });
});

describe('simulate --session', () => {
  it('answers the call through the session named on the command line', async () => {
    const dir = folder(MASKING_FOLDER);
    const out = capture();
    const err = capture();
    const code = await simulateCommand([`source=${DRIVER}`, `destination=${VN1}`, '--rules', dir, '--session', `${RIDER},${DRIVER},${VN1},record`], out, err);
    expect(code).toBe(0);
    expect(err.text).toContain('through session simulated-session-1');
    expect(JSON.parse(out.text).callflow).toEqual([{ action: 'makeCall', params: { source: VN1, destination: RIDER, callRecording: true } }]);
  });

  it('without a session the caller gets else', async () => {
    const dir = folder(MASKING_FOLDER);
    const out = capture();
    expect(await simulateCommand([`source=${DRIVER}`, `destination=${VN1}`, '--rules', dir], out, capture())).toBe(0);
    expect(JSON.parse(out.text).callflow[0].action).toBe('say');
  });

  it('a malformed --session is a usage error that shows the format', async () => {
    await expect(simulateCommand([`source=${DRIVER}`, '--session', `${RIDER},${VN1}`], capture(), capture())).rejects.toThrow(/PARTY_A,PARTY_B,VIRTUAL_NUMBER/);
  });
});

/**
 * Pieces of the webhook's hot path that the other tests do not pin: the replay key is a hash of
 * the whole body, and the decision log's writer thread yields the core to the calls.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../src/metrics/metrics.js';
import type { CallRecorder } from '../src/store/call-recorder.js';
import { openCallLog } from '../src/store/open-call-log.js';
import { bodyKey } from '../src/store/replay-cache.js';

describe('the replay key', () => {
  const body = readFileSync(join(import.meta.dirname, 'fixtures/8x8/call-action.json'), 'utf8');

  it.each([
    ['one character of a field', body.replace(/("eventId":\s*")/, '$1x')],
    ['only whitespace', body.replace('{', '{ ')],
    ['a character outside ASCII', body.replace(/("eventId":\s*")/, '$1é')],
  ])('differs for bodies that differ in %s', (_what, other) => {
    expect(other).not.toBe(body);
    expect(bodyKey(other)).not.toBe(bodyKey(body));
  });

  it('is the same for the same body, and short whatever the body weighs', () => {
    expect(bodyKey(body)).toBe(bodyKey(`${body}`));
    expect(bodyKey('x'.repeat(60_000))).toHaveLength(bodyKey(body).length);
    expect(bodyKey(body).length).toBeLessThan(50);
  });
});

/** Nice values of this process's threads (Linux: field 19 of /proc/self/task/TID/stat). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]));
}

describe.skipIf(process.platform !== 'linux')('thread priority', () => {
  let dir: string | undefined;
  let recorder: CallRecorder | undefined;
  afterEach(async () => {
    await recorder?.close();
    recorder = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('runs the decision log writer below the thread that answers calls', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hot-path-'));
    const before = threadNices().filter((n) => n > 0).length;
    recorder = openCallLog({ callLog: join(dir, 'calls.sqlite'), callLogRetentionDays: 30, callLogMaxRows: 1000, callLogMaxBytes: 1 << 30 }, new Metrics(), () => {})!;
    await recorder.ready();
    expect(recorder.state()).toBe('ok');
    expect(threadNices().filter((n) => n > 0).length).toBe(before + 1);
    expect(threadNices()[0]).toBe(0);
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { withDeadline } from '../src/http/deadline.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('withDeadline', () => {
  it.each([
    { work: 5, deadline: 200, answer: 'work', late: false },
    { work: 200, deadline: 30, answer: 'fallback', late: true },
  ])('work taking $work ms against a $deadline ms deadline answers with the $answer', async ({ work, deadline, answer, late }) => {
    let sawLate: boolean | undefined;
    const started = performance.now();
    const got = await withDeadline(
      deadline,
      async (isLate) => {
        await sleep(work);
        sawLate = isLate();
        return 'work';
      },
      () => 'fallback',
    );
    expect(got).toBe(answer);
    // Never early: the fallback waits for the whole deadline.
    if (late) expect(performance.now() - started).toBeGreaterThanOrEqual(deadline - 1);
    await sleep(Math.max(0, work - (performance.now() - started)) + 5);
    expect(sawLate).toBe(late);
  });

  it('keeps no timer once nothing is pending, and fires again for calls that come after a pause', async () => {
    for (let round = 0; round < 3; round++) {
      let finish: (v: string) => void = () => {};
      const pending = withDeadline(
        1000,
        () => new Promise<string>((resolve) => (finish = resolve)),
        () => 'fallback',
      );
      const whilePending = timers();
      finish('quick');
      expect(await pending).toBe('quick');
      // Idle: within a couple of ticks the shared timer stops, so it keeps no process alive.
      await sleep(40);
      expect(timers()).toBe(whilePending - 1);
      expect(
        await withDeadline(
          20,
          () => sleep(100).then(() => 'slow'),
          () => 'fallback',
        ),
      ).toBe('fallback');
      await sleep(100);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { TurnBudget } from '../src/http/turn-budget.js';

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** Takes `n` from the budget; what has been let through so far is in `through`, in order. */
function takeMany(budget: TurnBudget, n: number): number[] {
  const through: number[] = [];
  for (let i = 0; i < n; i++) {
    const wait = budget.take();
    if (wait) void wait.then(() => through.push(i));
    else through.push(i);
  }
  return through;
}

describe('TurnBudget (writes yield to calls between turns of the event loop)', () => {
  it.each([
    [3, 10],
    [8, 64],
    [8, 5],
  ])('with %i per turn, %i writes go through that many per turn, in the order they came', async (perTurn, n) => {
    const budget = new TurnBudget(perTurn);
    const through = takeMany(budget, n);
    await Promise.resolve();
    expect(through).toEqual([...Array(Math.min(perTurn, n)).keys()]);
    for (let turn = 1; through.length < n; turn++) {
      await nextTurn();
      expect(through.length).toBe(Math.min(n, perTurn * (turn + 1)));
    }
    expect(through).toEqual([...Array(n).keys()]);
  });

  it('lets a new write through at once when the last turn is over and nothing waits', async () => {
    const budget = new TurnBudget(2);
    takeMany(budget, 2);
    expect(budget.take()).toBeInstanceOf(Promise);
    await nextTurn();
    await nextTurn();
    expect(budget.take()).toBeUndefined();
  });

  it('lets no newcomer jump the writes already waiting', async () => {
    const budget = new TurnBudget(1);
    const first = takeMany(budget, 3);
    await nextTurn();
    const later = takeMany(budget, 1);
    expect(later).toEqual([]);
    expect(first).toEqual([0, 1]);
    await nextTurn();
    expect(first).toEqual([0, 1, 2]);
    await nextTurn();
    expect(later).toEqual([0]);
  });
});

/**
 * Calls before writes: at most `perTurn` pieces of write work (a create's checks, its answer) run
 * in one turn of the event loop; the rest wait for the next turn, after the loop has read the
 * sockets again. A call that arrives behind a burst of 64 creates so waits for a few of them, not
 * for all 64. Calls never take from the budget.
 */
export class TurnBudget {
  private used = 0;
  private waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly perTurn: number) {}

  /** Resolves when this turn has room; within the budget it resolves at once (a microtask). */
  take(): Promise<void> | undefined {
    if (this.used < this.perTurn && this.waiting.length === 0) {
      this.used++;
      this.schedule();
      return undefined;
    }
    const turn = new Promise<void>((resolve) => this.waiting.push(resolve));
    this.schedule();
    return turn;
  }

  /** Waiting work is let through only once the loop has been back to the sockets (setImmediate runs after the poll phase). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const now = this.waiting.splice(0, this.perTurn);
      this.used = now.length;
      for (const go of now) go();
      if (this.waiting.length > 0 || this.used > 0) this.schedule();
    });
  }
}

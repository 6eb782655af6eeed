/**
 * Deadlines for calls in flight share one coarse timer: each deadline drops into the slot of the
 * tick it falls due in, and one interval (running only while something is pending) fires the
 * slots that have come due. Adding and cancelling are O(1); no timer object per call.
 */
const TICK_MS = 10;

interface Pending {
  fire: () => void;
  done: boolean;
}

class TimerWheel {
  private readonly slots = new Map<number, Pending[]>();
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;
  private nextTick = 0;

  /** Calls `fire` no earlier than `ms` from now (up to one tick later); returns a cancel. */
  add(ms: number, fire: () => void): () => void {
    const entry: Pending = { fire, done: false };
    // Rounded up, so a deadline never fires early.
    const tick = Math.ceil((performance.now() + ms) / TICK_MS);
    const slot = this.slots.get(tick);
    if (slot) slot.push(entry);
    else this.slots.set(tick, [entry]);
    this.pending++;
    if (!this.timer) {
      this.nextTick = Math.floor(performance.now() / TICK_MS);
      this.timer = setInterval(() => this.advance(), TICK_MS);
    }
    return () => {
      if (entry.done) return;
      entry.done = true;
      this.settle();
    };
  }

  private advance(): void {
    const now = Math.floor(performance.now() / TICK_MS);
    for (; this.nextTick <= now; this.nextTick++) {
      const slot = this.slots.get(this.nextTick);
      if (!slot) continue;
      this.slots.delete(this.nextTick);
      for (const entry of slot) {
        if (entry.done) continue;
        entry.done = true;
        this.settle();
        entry.fire();
      }
    }
  }

  private settle(): void {
    if (--this.pending > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.slots.clear();
  }
}

const wheel = new TimerWheel();

/**
 * Settles with `work`, or with `onTimeout()` if `work` takes longer than `ms`. Only one of the two
 * answers counts: `isLate()` tells the slow work that it lost and must not record anything.
 */
export function withDeadline<T>(ms: number, work: (isLate: () => boolean) => Promise<T>, onTimeout: () => T): Promise<T> {
  let late = false;
  return new Promise<T>((resolve, reject) => {
    const cancel = wheel.add(ms, () => {
      late = true;
      try {
        resolve(onTimeout());
      } catch (e) {
        reject(e);
      }
    });
    work(() => late).then(
      (value) => {
        cancel();
        if (!late) resolve(value);
      },
      (e: unknown) => {
        cancel();
        if (!late) reject(e);
      },
    );
  });
}

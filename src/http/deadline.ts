/**
 * Deadlines for calls in flight share one coarse timer: each deadline drops into the slot of the
 * tick it falls due in, and one interval (running while something is pending, and one tick
 * more) fires the slots that have come due. Adding and cancelling are O(1); no timer object per call.
 *
 * A slot holds the callbacks themselves, and cancelling empties the callback's place at once:
 * a callback holds the whole call (its body, payload, answer), and keeping it until its tick,
 * seconds after the answer, made every call outlive two scavenges and reach the old generation.
 */
const TICK_MS = 10;

type Slot = Array<(() => void) | undefined>;

class TimerWheel {
  private readonly slots = new Map<number, Slot>();
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;
  private nextTick = 0;

  /** Calls `fire` no earlier than `ms` from now (up to one tick later); returns a cancel. */
  add(ms: number, fire: () => void): () => void {
    // Rounded up, so a deadline never fires early.
    const tick = Math.ceil((performance.now() + ms) / TICK_MS);
    let slot = this.slots.get(tick);
    if (!slot) this.slots.set(tick, (slot = []));
    const at = slot.push(fire) - 1;
    this.pending++;
    if (!this.timer) {
      this.nextTick = Math.floor(performance.now() / TICK_MS);
      this.timer = setInterval(() => this.advance(), TICK_MS);
    }
    return () => {
      if (slot[at] === undefined) return;
      slot[at] = undefined;
      this.settle();
    };
  }

  private advance(): void {
    if (this.pending === 0) {
      // Idle for a whole tick: stop. Stopping as soon as the last call was answered instead set
      // up a new interval for nearly every call when calls come one or two at a time.
      clearInterval(this.timer);
      this.timer = undefined;
      this.slots.clear();
      return;
    }
    const now = Math.floor(performance.now() / TICK_MS);
    for (; this.nextTick <= now; this.nextTick++) {
      const slot = this.slots.get(this.nextTick);
      if (!slot) continue;
      this.slots.delete(this.nextTick);
      for (let i = 0; i < slot.length; i++) {
        const fire = slot[i];
        if (fire === undefined) continue;
        slot[i] = undefined;
        this.settle();
        fire();
      }
    }
  }

  private settle(): void {
    this.pending--;
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

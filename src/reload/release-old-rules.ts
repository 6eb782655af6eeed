import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A replaced rule set is MB of buffers (18 MB at 100k rules) that nothing refers to, but V8
 * frees buffers only in a full collection, and it starts one for outside-the-heap memory only
 * once 64 MB more of it has piled up since the last: after ten reloads of 100k rules the server
 * held three sets (then 143 MB of buffers, RSS 335 MB against 167 after the first load). So once
 * big sets have been swapped out, one full collection is asked for, after the loop's next poll
 * for sockets (setImmediate), so that calls already waiting are answered first.
 *
 * V8's `gc` is only reachable with --expose-gc; set at run time, it is exposed to new contexts,
 * which is where it is taken from. If that ever stops working, reloads still work; memory is
 * freed later, as before.
 */
let collect: (() => void) | undefined | null;

function collector(): (() => void) | undefined {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as unknown;
      collect = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      collect = null;
    }
  }
  return collect ?? undefined;
}

/** Rule sets smaller than this are left to V8's own pace: a full collection costs more than they hold. */
export const RELEASE_FROM_RULES = 10_000;

/**
 * One collection per `every` big sets replaced, not one per reload: each is a 30-50 ms pause of
 * the thread that answers calls (at 4,700 calls/s, one per reload held up about 1% of the calls,
 * right at the p99), while two replaced sets (36 MB at 100k rules) are worth waiting for.
 */
export function oldRulesReleaser(every = 2): () => Promise<number | undefined> {
  let replaced = 0;
  return () => {
    if (++replaced < every) return Promise.resolve(undefined);
    replaced = 0;
    return releaseOldRules();
  };
}

/** Asks for a full collection on the next idle turn; resolves with how long it took (ms), or undefined if unavailable. */
export function releaseOldRules(): Promise<number | undefined> {
  const gc = collector();
  if (!gc) return Promise.resolve(undefined);
  return new Promise((resolve) =>
    setImmediate(() => {
      const started = performance.now();
      gc();
      resolve(performance.now() - started);
    }),
  );
}

/**
 * A replaced rule set is MB of buffers (18 MB at 100k rules) that nothing refers to, but V8
 * frees buffers only in a full collection, and it starts one for outside-the-heap memory only
 * once 64 MB more of it has piled up since the last: after ten reloads of 100k rules the server
 * held three sets (RSS 335 MB against 167 after the first load).
 *
 * So once a big set has been swapped out, V8 is shown that much more memory outside its heap: a
 * buffer past that 64 MB, allocated and dropped at once. It is never written, so it costs address
 * space, not RAM. V8 answers as it does to any such growth: with an incremental collection, marked
 * mostly on its helper threads, pausing this thread for a few milliseconds, where a collection
 * forced at once (`gc()`) held up every call for 30-50 ms.
 */
const NUDGE_BYTES = 96 * 2 ** 20;

/** Rule sets smaller than this are left to V8's own pace: a collection costs more than they hold. */
export const RELEASE_FROM_RULES = 10_000;

/**
 * Starts V8's collection of replaced rule sets, on the loop's next turn after the poll for
 * sockets (setImmediate), so that calls already waiting are answered first. Resolves with how
 * long this thread spent starting it (ms); the collection then runs alongside the calls.
 */
export function releaseOldRules(): Promise<number> {
  return new Promise((resolve) =>
    setImmediate(() => {
      const started = performance.now();
      try {
        new ArrayBuffer(NUDGE_BYTES);
      } catch {
        // No address space for it (a strict overcommit limit): the sets are freed at V8's own pace, as before.
      }
      resolve(performance.now() - started);
    }),
  );
}

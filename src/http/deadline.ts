/**
 * Settles with `work`, or with `onTimeout()` if `work` takes longer than `ms`. Only one of the two
 * answers counts: `isLate()` tells the slow work that it lost and must not record anything.
 */
export function withDeadline<T>(ms: number, work: (isLate: () => boolean) => Promise<T>, onTimeout: () => T): Promise<T> {
  let late = false;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      late = true;
      try {
        resolve(onTimeout());
      } catch (e) {
        reject(e);
      }
    }, ms);
    work(() => late).then(
      (value) => {
        clearTimeout(timer);
        if (!late) resolve(value);
      },
      (e: unknown) => {
        clearTimeout(timer);
        if (!late) reject(e);
      },
    );
  });
}

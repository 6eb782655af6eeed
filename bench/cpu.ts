/** CPU time a process spent on a core, summed over all its threads (Linux schedstat), for µs per request. */
import { readdir, readFile } from 'node:fs/promises';

/**
 * Nanoseconds on CPU of every thread of `pid` (first field of /proc/PID/task/TID/schedstat), or
 * undefined when the kernel does not expose it. Threads that exit between two reads drop out;
 * the router's long-lived threads (main, libuv pool, GC helpers, workers) do not.
 */
export async function cpuNs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const tasks = await readdir(`/proc/${pid}/task`);
    let total = 0;
    for (const tid of tasks) {
      try {
        total += Number((await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')).split(' ')[0]);
      } catch {
        // thread ended meanwhile
      }
    }
    return total;
  } catch {
    return undefined;
  }
}

/** The processes `pid` started that are still running (Linux: each thread's children file). */
export async function childPids(pid: number | undefined): Promise<number[]> {
  if (pid === undefined) return [];
  try {
    const pids: number[] = [];
    for (const tid of await readdir(`/proc/${pid}/task`)) {
      const text = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '');
      for (const child of text.split(' ')) if (child.trim()) pids.push(Number(child));
    }
    return pids;
  } catch {
    return [];
  }
}

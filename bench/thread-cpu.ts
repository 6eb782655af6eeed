/** CPU time of each thread of a process, by thread name (Linux /proc/PID/task/TID/{comm,schedstat}). */
import { readdir, readFile } from 'node:fs/promises';

/** Nanoseconds on CPU per thread group: "main" (the JS thread, tid = pid), then each other thread's name (summed). */
export async function cpuByThread(pid: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    try {
      const [comm, stat] = await Promise.all([readFile(`/proc/${pid}/task/${tid}/comm`, 'utf8'), readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')]);
      const name = Number(tid) === pid ? 'main' : comm.trim();
      out.set(name, (out.get(name) ?? 0) + Number(stat.split(' ')[0]));
    } catch {
      // thread ended meanwhile
    }
  }
  return out;
}

/** after − before, per thread group. */
export function cpuDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const d = new Map<string, number>();
  for (const [k, v] of after) d.set(k, v - (before.get(k) ?? 0));
  return d;
}

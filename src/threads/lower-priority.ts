import { setPriority } from 'node:os';

/**
 * Lowers the priority of the calling thread (Linux keeps a nice value per thread, and
 * setpriority(0) means the caller), so that on a busy core the scheduler runs the thread that
 * answers calls first and a background writer takes what is left. Elsewhere it lowers the
 * whole process, or does nothing where that is not allowed.
 */
export function lowerThreadPriority(nice: number): void {
  try {
    setPriority(0, nice);
  } catch {
    // Not permitted here: the thread keeps its priority.
  }
}

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Starts the rules loader's process (src/reload/reload-worker.ts) with a heap of `memoryMb` (the
 * reload memory budget). This module imports nothing else, so that `serve` can start the loader
 * before it imports the rest of the server: the loader's boot and first compile then run while
 * this process loads its own modules (0.3 s).
 */
export function forkLoader(memoryMb: number): ChildProcess {
  const ts = import.meta.url.endsWith('.ts');
  const built = fileURLToPath(new URL('./reload-worker.js', import.meta.url));
  const entry = ts ? built.replace(/\.js$/, '.ts') : built;
  const execArgv = [
    `--max-old-space-size=${memoryMb}`,
    // A load grows the heap to 150+ MB of live rules; from V8's small default start it collects
    // all of it over and over on the way (a quarter of a 100k-rule load). Room is only reserved, not used.
    `--initial-old-space-size=${Math.min(256, Math.floor(memoryMb / 2))}`,
    // Running from TypeScript sources (tests, tsx): the worker needs tsx's loader to import .ts files.
    ...(ts ? ['--import', 'tsx'] : []),
  ];
  const worker = fork(entry, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  // An idle loader must not keep the server's process alive (a load refs the channel while it runs).
  worker.unref();
  worker.channel?.unref();
  (worker.stderr as { unref?: () => void } | null)?.unref?.();
  return worker;
}

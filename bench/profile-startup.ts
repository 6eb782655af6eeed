/**
 * Where the startup time of a big rule set goes: runs `validate` (the same loadRules as `serve`)
 * on a generated 100k-rule folder under `node --cpu-prof`, and sums the samples by stage.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRuleFiles, writeRuleFiles } from './generate-rules.js';

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A stage is counted for a sample when any frame on the sample's stack matches. Nested stages are indented. */
const STAGES: { name: string; match: (f: CallFrame) => boolean }[] = [
  { name: 'YAML parse (`yaml` parseDocument: lexer, parser, composer)', match: (f) => f.functionName === 'parseDocument' && f.url.includes('/yaml/dist/public-api') },
  { name: 'number-as-text pass (`yaml` visit in parse-yaml.ts)', match: (f) => f.functionName === 'visit' && f.url.includes('/yaml/dist/visit') },
  { name: 'YAML document → JS objects (`doc.toJS`)', match: (f) => f.functionName === 'toJS' && f.url.includes('/yaml/dist/doc/Document') },
  { name: 'schema check (ajv generated validators)', match: (f) => f.url === '' && /^validate\d*$/.test(f.functionName) },
  { name: 'compile rules (compileRule: matchers, actions, templates, positions)', match: (f) => f.functionName === 'compileRule' },
  { name: '  of which libphonenumber-js (number checks)', match: (f) => f.url.includes('libphonenumber-js') },
  { name: '  of which locate() (line/col of each rule and action)', match: (f) => f.functionName === 'locate' && f.url.includes('parse-yaml') },
  { name: 'index + content hash (indexRules, versionOf)', match: (f) => f.functionName === 'indexRules' || f.functionName === 'versionOf' },
  { name: 'garbage collector', match: (f) => f.functionName === '(garbage collector)' },
];

function summarise(profile: CpuProfile): { totalMs: number; stages: { name: string; ms: number }[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageMs = STAGES.map(() => 0);
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const frames: CallFrame[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) frames.push(byId.get(cur)!.callFrame);
    STAGES.forEach((s, k) => {
      if (frames.some(s.match)) stageMs[k]! += dt;
    });
  });
  const top = STAGES.map((s, k) => (s.name.startsWith('  ') ? 0 : stageMs[k]!)).reduce((a, b) => a + b, 0);
  return {
    totalMs: total,
    stages: [...STAGES.map((s, k) => ({ name: s.name, ms: stageMs[k]! })), { name: 'everything else (node and module start, reading files, idle)', ms: total - top }],
  };
}

async function timeValidate(nodeFlags: string[], dir: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, 'dist/cli/main.js', 'validate', dir], { stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`validate ${dir} exited with ${code}`);
  return performance.now() - t0;
}

export async function profileStartup(rules: number): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), 'router-profile-'));
  try {
    const dir = join(tmp, 'rules');
    await writeRuleFiles(dir, generateRuleFiles(rules));
    const profDir = join(tmp, 'prof');
    process.stderr.write(`▸ profiling \`validate\` of ${rules} rules\n`);
    const profiledMs = await timeValidate(['--cpu-prof', '--cpu-prof-dir', profDir], dir);
    const file = (await readdir(profDir)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('node wrote no .cpuprofile');
    const { totalMs, stages } = summarise(JSON.parse(await readFile(join(profDir, file), 'utf8')) as CpuProfile);
    process.stderr.write('▸ timing validate without the profiler, with default and with a larger young generation\n');
    const plainMs = await timeValidate([], dir);
    const semiMs = await timeValidate(['--max-semi-space-size=64'], dir);
    const s = (n: number) => `${(n / 1000).toFixed(1)} s`;
    return [
      `\`npm run bench -- --profile-startup\`, ${new Date().toISOString()}: \`node --cpu-prof dist/cli/main.js validate\` on ${rules.toLocaleString('en-US')} generated rules (${rules >= 10_000 ? Math.ceil(rules / 10_000) : 1} files of up to 10k rules, ~1.8 MB each). Wall time ${s(profiledMs)} under the profiler, ${s(totalMs)} of samples.`,
      '',
      '| stage | time | share |',
      '|---|---:|---:|',
      ...stages.map((st) => `| ${st.name} | ${s(st.ms)} | ${Math.round((st.ms / totalMs) * 100)}% |`),
      '',
      `Without the profiler: \`validate\` takes ${s(plainMs)}; with \`node --max-semi-space-size=64\` (a bigger young generation, so the parser's short-lived objects die without being copied) ${s(semiMs)}.`,
    ].join('\n');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

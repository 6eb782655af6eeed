/**
 * Generates a rules folder of any size, shaped like a real deployment, and a mix of 8x8 events
 * that hit it: most rules keyed on destinationRefId or destination (found through the index),
 * some with extra prefix/regex/list/DTMF conditions, a few regional rules that are scanned on
 * every miss, and one catch-all. Each request carries the rule id it must be answered by.
 *
 * Usage: npx tsx bench/generate-rules.ts COUNT DIR   (writes DIR/settings.yaml and DIR/*.yaml)
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface GeneratedFile {
  file: string;
  text: string;
}

export interface BenchRequest {
  /** What kind of call this is, for the mix table. */
  kind: RequestKind;
  /** The Call Action payload without eventId (the load generator stamps a unique one). */
  payload: Record<string, unknown>;
  /** The rule that must answer it: the response's clientActionId. */
  expect: string;
}

export type RequestKind = 'refId' | 'refId-list' | 'destination' | 'dtmf-menu' | 'prefix' | 'regex' | 'prefix-miss' | 'regional' | 'unknown-number';

/** Rules the generator always adds: scanned regional rules plus the catch-all. */
const REGIONAL = [
  { id: 'region-my', when: '      source: { prefix: "+60" }', say: 'Terima kasih. Connecting you to our Malaysia team.', to: '+60321612000' },
  { id: 'region-id', when: '      sourceCountryCode: [ID, TH, PH]', say: 'Connecting you to our regional team.', to: '+6587650000' },
  { id: 'region-intl', when: '      source: { regex: "^\\\\+(1|44)\\\\d+$" }', say: 'Connecting you to our international desk.', to: '+6587650001' },
] as const;
export const CATCH_ALL_ID = 'everyone-else';
const FIXED_RULES = REGIONAL.length + 1;

/** The shape of keyed rule i repeats every 10 rules; the first 6 shapes come first so 10 rules still cover all. */
const SHAPES = ['refId', 'destination', 'dtmf-menu', 'prefix', 'regex', 'refId-list', 'refId', 'refId', 'refId', 'refId'] as const;
type Shape = (typeof SHAPES)[number];
const RULES_PER_FILE = 10_000;

const pad = (i: number) => String(i).padStart(6, '0');
const refId = (i: number) => `vn-${pad(i)}`;
/** Singapore fixed-line numbers (6xxx xxxx) are valid for libphonenumber, like real virtual numbers. */
const virtualNumber = (i: number) => `+656${String(i).padStart(7, '0')}`;
const agentNumber = (i: number) => `+658${String(1_000_000 + (i % 8_000_000)).padStart(7, '0')}`;
const shapeOf = (i: number): Shape => SHAPES[i % SHAPES.length]!;

function keyedRule(i: number, variant: number): string {
  const v = variant ? ` (v${variant})` : '';
  const id = `r${pad(i)}`;
  switch (shapeOf(i)) {
    case 'refId':
      return `  - id: ${id}
    when:
      destinationRefId: ${refId(i)}
    then:
      - say: "Thank you for calling line ${i}${v}. Connecting you now."
      - makeCall: "${agentNumber(i)}"
`;
    case 'refId-list':
      return `  - id: ${id}
    when:
      destinationRefId: [${refId(i)}, ${refId(i)}-b]
      sourceCountryCode: [SG, MY]
    then:
      - say: { text: "Welcome, caller from {{sourceCountryCode}}${v}.", speed: 0.9 }
      - makeCall: { destination: "${agentNumber(i)}", callRecording: true }
`;
    case 'destination':
      return `  - id: ${id}
    when:
      destination: "${virtualNumber(i)}"
    then:
      - playFile: https://example.com/audio/line-${i}.mp3
      - makeCall: "${agentNumber(i)}"
`;
    case 'dtmf-menu':
      return `  - id: ${id}
    when:
      destinationRefId: ${refId(i)}
      clientActionId: main-menu
      dtmf: "1"
    then:
      - say: "Connecting you to sales${v}."
      - makeCall: "${agentNumber(i)}"
`;
    case 'prefix':
      return `  - id: ${id}
    when:
      destinationRefId: ${refId(i)}
      source: { prefix: "+659" }
    then:
      - say: "Welcome, mobile caller${v}."
      - makeCall: "${agentNumber(i)}"
`;
    case 'regex':
      return `  - id: ${id}
    when:
      destinationRefId: ${refId(i)}
      source: { regex: "^\\\\+65[89]\\\\d{7}$" }
    then:
      - say: "Your call from {{source}} is being connected${v}."
      - makeCall: "${agentNumber(i)}"
`;
  }
}

/**
 * `total` rules in all: keyed rules split over files of at most 10k, then the regional rules and
 * the catch-all. `variant` changes every say text, so a rewrite changes every file's content.
 */
export function generateRuleFiles(total: number, variant = 0): GeneratedFile[] {
  const keyed = Math.max(0, total - FIXED_RULES);
  const files: GeneratedFile[] = [
    {
      file: 'settings.yaml',
      text: `voiceProfile: en-US-ZiraRUS
fallback:
  - say: "Sorry, we cannot connect your call right now."
  - hangup
`,
    },
  ];
  for (let start = 0, n = 0; start < keyed; start += RULES_PER_FILE, n++) {
    const parts = ['rules:\n'];
    for (let i = start; i < Math.min(keyed, start + RULES_PER_FILE); i++) parts.push(keyedRule(i, variant));
    files.push({ file: `lines-${String(n).padStart(2, '0')}.yaml`, text: parts.join('') });
  }
  files.push({
    file: 'regional.yaml',
    text: `rules:\n${REGIONAL.map((r) => `  - id: ${r.id}\n    when:\n${r.when}\n    then:\n      - say: "${r.say}"\n      - makeCall: "${r.to}"\n`).join('')}`,
  });
  files.push({
    file: 'zz-catch-all.yaml',
    text: `rules:\n  - id: ${CATCH_ALL_ID}\n    then:\n      - say: "Sorry, this number is not in service."\n      - hangup\n`,
  });
  return files;
}

/** Writes each file through a hidden temp file and a rename, the way editors save, so a reader never sees half a file. */
export async function writeRuleFiles(dir: string, files: readonly GeneratedFile[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const f of files) {
    const tmp = join(dir, `.${f.file}.tmp`);
    await writeFile(tmp, f.text);
    await rename(tmp, join(dir, f.file));
  }
}

/** How often each kind of call occurs in the mix, out of 100. */
export const MIX: Readonly<Record<RequestKind, number>> = {
  refId: 50,
  'refId-list': 5,
  destination: 10,
  'dtmf-menu': 10,
  prefix: 5,
  regex: 5,
  'prefix-miss': 5,
  regional: 5,
  'unknown-number': 5,
};

/** A small deterministic PRNG, so every run sends the same mix. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function basePayload(n: number): Record<string, unknown> {
  return {
    callId: `call-${n}`,
    sessionId: `session-${n}`,
    subAccountId: 'bench-subaccount',
    callStatus: 'CALL_RECEIVED',
    callDirection: 'INBOUND',
    callType: 'PSTN',
    source: '+6581234567',
    destination: '+6568000000',
    sourceFormat: 'MSISDN',
    destinationFormat: 'MSISDN',
    sourceCountryCode: 'SG',
    destinationCountryCode: 'SG',
    destinationRefId: 'vn-none',
    callDuration: 0,
    sipCode: 200,
    timestamp: '2026-05-16T04:12:11.217Z',
  };
}

/**
 * `count` requests drawn from MIX against a folder of `total` rules, spread over the whole
 * range of rules so that a big rule set is exercised everywhere, not just at its start.
 */
export function generateRequests(total: number, count = 500, seed = 7): BenchRequest[] {
  const keyed = Math.max(0, total - FIXED_RULES);
  const random = mulberry32(seed);
  const pick = (shape: Shape): number | undefined => {
    const slots = SHAPES.flatMap((s, k) => (s === shape ? [k] : [])).filter((k) => k < keyed);
    if (slots.length === 0) return undefined;
    const cycles = Math.ceil((keyed - slots[0]!) / SHAPES.length);
    for (;;) {
      const i = Math.floor(random() * cycles) * SHAPES.length + slots[Math.floor(random() * slots.length)]!;
      if (i < keyed) return i;
    }
  };
  const kinds = Object.entries(MIX).flatMap(([kind, weight]) => Array<RequestKind>(weight).fill(kind as RequestKind));
  const requests: BenchRequest[] = [];
  for (let n = 0; requests.length < count; n++) {
    const kind = kinds[Math.floor(random() * kinds.length)]!;
    const made = makeRequest(kind, basePayload(n), pick);
    if (made) requests.push({ kind, ...made });
  }
  return requests;
}

function makeRequest(kind: RequestKind, p: Record<string, unknown>, pick: (s: Shape) => number | undefined): Omit<BenchRequest, 'kind'> | undefined {
  const hit = (shape: Shape, edit: (i: number) => void): Omit<BenchRequest, 'kind'> | undefined => {
    const i = pick(shape);
    if (i === undefined) return undefined;
    edit(i);
    return { payload: p, expect: `r${pad(i)}` };
  };
  switch (kind) {
    case 'refId':
      return hit('refId', (i) => (p.destinationRefId = refId(i)));
    case 'refId-list':
      return hit('refId-list', (i) => {
        p.destinationRefId = `${refId(i)}-b`;
        p.source = '+60123456789';
        p.sourceCountryCode = 'MY';
      });
    case 'destination':
      return hit('destination', (i) => {
        p.destination = virtualNumber(i);
        p.destinationRefId = null;
      });
    case 'dtmf-menu':
      return hit('dtmf-menu', (i) => {
        p.destinationRefId = refId(i);
        p.callStatus = 'ACTION_COMPLETED';
        p.clientActionId = 'main-menu';
        p.eventData = { dtmf: '1' };
      });
    case 'prefix':
      return hit('prefix', (i) => {
        p.destinationRefId = refId(i);
        p.source = '+6591234567';
      });
    case 'regex':
      return hit('regex', (i) => {
        p.destinationRefId = refId(i);
        p.source = '+6589876543';
      });
    case 'prefix-miss': {
      // The index finds the rule but its prefix does not hold: the call falls through to the catch-all.
      const made = hit('prefix', (i) => {
        p.destinationRefId = refId(i);
        p.source = '+6561234567';
      });
      return made && { ...made, expect: CATCH_ALL_ID };
    }
    case 'regional':
      p.source = '+60387654321';
      p.sourceCountryCode = 'MY';
      return { payload: p, expect: 'region-my' };
    case 'unknown-number':
      p.destinationRefId = 'vn-unknown';
      p.destination = '+6569999999';
      return { payload: p, expect: CATCH_ALL_ID };
  }
}

/** The request body 8x8 would POST; `[<id>]` is replaced by autocannon with a fresh id per request. */
export function webhookBody(payload: Record<string, unknown>, eventId = '[<id>]'): string {
  return JSON.stringify({ namespace: 'VOICE', eventType: 'CALL_ACTION', description: 'Action request of a call', payload: { eventId, ...payload } });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [countArg, dir] = process.argv.slice(2);
  const count = Number(countArg);
  if (!Number.isInteger(count) || count < FIXED_RULES || !dir) {
    process.stderr.write(`usage: npx tsx bench/generate-rules.ts COUNT DIR  (COUNT >= ${FIXED_RULES})\n`);
    process.exit(2);
  }
  await rm(dir, { recursive: true, force: true });
  await writeRuleFiles(dir, generateRuleFiles(count));
  process.stdout.write(`wrote ${count} rules to ${dir}\n`);
}

import { readFile } from 'node:fs/promises';
import { explainDecision } from '../engine/explain-decision.js';
import { makeCallActionPayload } from '../events/make-event.js';
import { nextEvent, NOTHING } from '../events/next-event.js';
import type { CallActionEvent, CallActionPayload } from '../types/generated/call-action.js';
import { eventValidator } from '../events/validate-event.js';
import { loadRules } from '../rules/load-rules.js';
import { parseAt } from './parse-at.js';
import { printDiagnostics, summarizeErrors, type Output } from './print-diagnostics.js';
import { UsageError } from './usage-error.js';
import { checkNpmKeptNoFlags, parseCommandArgs } from './parse-command-args.js';
import { readSchema } from '../source/read-schema.js';
import { didYouMean } from '../text/suggest.js';
import { checkPhoneNumber } from '../rules/phone-number.js';
import { fixedSessions, type FixedSession } from '../sessions/fixed-sessions.js';

const validateCallAction = eventValidator<CallActionEvent>('call-action');

/**
 * `simulate <event.json | field=value ...> [--rules dir] [--explain] [--at time] [--press keys ...] [--session A,B,VN[,record][,pin=DIGITS]]...`:
 * the rule that answers, and the exact JSON. --explain adds why each earlier rule did not take the
 * call; each --press is the caller's next keys (a conversation through menus), one answer per step;
 * --session opens a live masking session for the simulated call.
 */
const OPTIONS = {
  rules: { type: 'string', default: 'rules' },
  explain: { type: 'boolean', default: false },
  at: { type: 'string' },
  press: { type: 'string', multiple: true, default: [] as string[] },
  session: { type: 'string', multiple: true, default: [] as string[] },
} as const;

/** The fields of 8x8's Call Action payload (schema/call-action.schema.json): anything else is a typo. */
const PAYLOAD_FIELDS: readonly string[] = Object.keys((readSchema('call-action').definitions as Record<string, { properties?: Record<string, unknown> }>).payload?.properties ?? {});

export async function simulateCommand(args: string[], out: Output, err: Output, env: NodeJS.ProcessEnv = {}): Promise<number> {
  checkNpmKeptNoFlags('simulate', OPTIONS, env);
  const { values, positionals } = parseCommandArgs('simulate', args, OPTIONS, true);
  const sessions = (values.session ?? []).map(readSession);
  if (positionals.length === 0) throw new UsageError('simulate needs an event: a JSON file, or fields like source=+6591234567 destinationRefId=vn-ref-1');
  const now = parseAt(values.at);
  const payload = await readEvent(positionals);

  const result = await loadRules(values.rules);
  printDiagnostics(result.diagnostics, result.texts, err);
  if (!result.ruleSet) {
    err.write(`\n${summarizeErrors(result.diagnostics)}: fix them before simulating.\n`);
    return 1;
  }
  const lookup = fixedSessions(sessions);
  const presses = values.press;
  let step = payload;
  for (let i = 0; ; i++) {
    if (presses.length > 0) out.write(`${i === 0 ? '' : '\n'}--- step ${i + 1}: ${i === 0 ? 'the call arrives' : describePress(presses[i - 1]!)}\n`);
    const { decision, skipped } = explainDecision(result.ruleSet, step, { ...(now ? { now } : {}), ...(sessions.length > 0 ? { sessions: lookup } : {}) });
    if (values.explain) {
      for (const s of skipped) err.write(`skipped ${s.text}  (${values.rules}/${s.rule.file}:${s.rule.line})\n`);
    }
    if (decision.outcome === 'matched') {
      const rule = result.ruleSet.rules.find((r) => r.id === decision.ruleId);
      err.write(`matched rule ${decision.ruleId}${rule ? ` (${values.rules}/${rule.file}:${rule.line}:${rule.col})` : ''}${decision.session ? ` through session ${decision.session}` : ''}\n`);
    } else {
      err.write(`no rule answered (${decision.detail}): the fallback callflow\n`);
    }
    out.write(`${JSON.stringify(decision.response, null, 2)}\n`);
    const press = presses[i];
    if (press === undefined) break;
    const next = nextEvent(step, decision.response, press, i + 2);
    if (!next.ok) {
      err.write(`cannot press ${JSON.stringify(press)} after step ${i + 1}: ${next.message}\n`);
      return 1;
    }
    step = next.payload;
  }
  return 0;
}

function describePress(press: string): string {
  return press === NOTHING ? 'the caller presses nothing' : `the caller presses ${press}`;
}

async function readEvent(positionals: string[]): Promise<CallActionPayload> {
  const first = positionals[0]!;
  if (positionals.length === 1 && !first.includes('=')) {
    let text: string;
    try {
      text = await readFile(first, 'utf8');
    } catch {
      throw new UsageError(`cannot read event file ${first}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new UsageError(`${first} is not valid JSON`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UsageError(`${first} must hold a JSON object: an 8x8 event, or just its payload`);
    // The full 8x8 event or just its payload, complete or partial: the missing fields get simulate's defaults.
    const record = body as Record<string, unknown>;
    const wrapped = typeof record.payload === 'object' && record.payload !== null;
    const partial = (wrapped ? record.payload : record) as Record<string, unknown>;
    checkFields(Object.keys(partial), first);
    const event = { ...(wrapped ? record : {}), payload: makeCallActionPayload(partial as Partial<CallActionPayload>) };
    const checked = validateCallAction(event);
    if (!checked.ok) throw new UsageError(`${first}: ${checked.error.message}`);
    return checked.value.payload;
  }
  const fields: Record<string, string> = {};
  for (const p of positionals) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`"${p}" is not field=value (for example source=+6591234567)`);
    fields[p.slice(0, eq)] = p.slice(eq + 1);
  }
  checkFields(Object.keys(fields), undefined);
  const checked = validateCallAction({ payload: makeCallActionPayload(fields as Partial<CallActionPayload>) });
  if (!checked.ok) throw new UsageError(checked.error.message);
  return checked.value.payload;
}

/** A misspelt field (`sourceCountry=SG`) would route as if it were not given: say so instead. */
function checkFields(names: readonly string[], file: string | undefined): void {
  for (const name of names) {
    if (PAYLOAD_FIELDS.includes(name)) continue;
    const where = file ? ` in ${file}` : '';
    const hint = didYouMean(name, PAYLOAD_FIELDS);
    throw new UsageError(`unknown field \`${name}\`${where}${hint || `: the fields of a call are ${PAYLOAD_FIELDS.join(', ')}`}`);
  }
}

/** `--session +6591110001,+6592220001,+6568332049[,record][,pin=4711]`: two parties, their virtual number, and what else the session has. */
function readSession(text: string, i: number): FixedSession {
  const parts = text.split(',').map((p) => p.trim());
  const usage = `--session "${text}" must be PARTY_A,PARTY_B,VIRTUAL_NUMBER, optionally followed by ,record and ,pin=DIGITS (for example --session +6591110001,+6592220001,+6568332049,pin=4711)`;
  if (parts.length < 3) throw new UsageError(usage);
  const numbers = parts.slice(0, 3).map((p) => {
    const phone = checkPhoneNumber(p);
    if (!phone.ok) throw new UsageError(`--session "${text}": ${phone.message}`);
    return phone.e164;
  });
  let record: boolean | undefined;
  let pin: string | undefined;
  for (const extra of parts.slice(3)) {
    if ((extra === 'record' || extra === 'no-record') && record === undefined) record = extra === 'record';
    else if (extra.startsWith('pin=') && pin === undefined) {
      pin = extra.slice(4);
      // The same rule as the sessions API's (schema/session-create.schema.json).
      if (!/^[0-9]{1,12}$/.test(pin)) throw new UsageError(`--session "${text}": the pin must be 1 to 12 digits, like pin=4711`);
    } else throw new UsageError(usage);
  }
  return { id: `simulated-session-${i + 1}`, parties: [numbers[0]!, numbers[1]!], virtualNumber: numbers[2]!, ...(record === undefined ? {} : { record }), ...(pin === undefined ? {} : { pin }) };
}

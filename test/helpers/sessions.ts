import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/http/app.js';
import { LiveRules } from '../../src/reload/live-rules.js';
import { loadRules } from '../../src/rules/load-rules.js';
import { Sessions } from '../../src/sessions/sessions-service.js';
import type { CallflowResponse } from '../../src/types/generated/callflow.js';

export const TOKEN = 'test-api-token';
export const VN1 = '+6568332049';
export const VN2 = '+6568332050';
export const RIDER = '+6591110001';
export const DRIVER = '+6592220001';
export const RIDER2 = '+6591110002';

/** A rules folder for masking: calls to the pool's numbers go to the other party, else an apology. */
export const MASKING_FOLDER: Record<string, string> = {
  'settings.yaml': 'voiceProfile: en-US-ZiraRUS\n',
  '20-masking.yaml': `rules:
  - id: ride-masking
    when:
      destination: ["${VN1}", "${VN2}"]
    then:
      - makeCall: other-party
    else:
      - say: "This trip has ended."
      - hangup
`,
  'pools.yaml': `pools:
  - name: rides
    numbers: ["${VN1}", "${VN2}"]
  - name: tiny
    numbers:
      - { number: "${VN1}", refId: vn-ref-9, country: SG }
`,
};

export function writeFolder(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

export interface SessionsHarness {
  dir: string;
  dbPath: string;
  sessions: Sessions;
  app: ReturnType<typeof createApp>;
  /** A request to the API with the token (or `token: null` for none). */
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<Response>;
  /** A Call Action from `source` to `destination`; the callflow answered. */
  call(source: string, destination: string): Promise<CallflowResponse>;
  /** Closes the sessions file and opens it again, as a restart does. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

let events = 0;

/** The real Hono app with real sessions in a temp SQLite file. */
export async function sessionsHarness(options: { files?: Record<string, string>; token?: string | undefined } = {}): Promise<SessionsHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-'));
  const rulesDir = join(dir, 'rules');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(rulesDir);
  writeFolder(rulesDir, options.files ?? MASKING_FOLDER);
  const loaded = await loadRules(rulesDir);
  if (!loaded.ruleSet) throw new Error(`rules did not load: ${loaded.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`).join('\n')}`);
  const rules = new LiveRules(loaded.ruleSet);
  const dbPath = join(dir, 'data', 'sessions.sqlite');
  const token = 'token' in options ? options.token : TOKEN;
  const open = () => new Sessions({ path: dbPath, pools: () => rules.current().pools });
  const h: SessionsHarness = {
    dir,
    dbPath,
    sessions: open(),
    app: undefined as unknown as ReturnType<typeof createApp>,
    api: async (method, path, body, t = TOKEN) =>
      h.app.request(path, {
        method,
        headers: { 'content-type': 'application/json', ...(t === null ? {} : { authorization: `Bearer ${t}` }) },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    call: async (source, destination) => {
      events++;
      const payload = {
        eventId: `e${events}`,
        callId: `call-${events}`,
        sessionId: `s${events}`,
        source,
        destination,
        callStatus: 'CALL_RECEIVED',
        callDirection: 'INBOUND',
        sourceFormat: 'MSISDN',
        destinationFormat: 'MSISDN',
      };
      const res = await h.app.request('/webhooks/call-action', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload }) });
      if (res.status !== 200) throw new Error(`call-action answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as CallflowResponse;
    },
    restart: async () => {
      await h.sessions.close();
      h.sessions = open();
      h.app = createApp({ rules, sessions: h.sessions, ...(token ? { apiToken: token } : {}) });
    },
    close: async () => {
      await h.sessions.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  h.app = createApp({ rules, sessions: h.sessions, ...(token ? { apiToken: token } : {}) });
  return h;
}

/** Where the callflow sends the call: the makeCall destination, or `else` when it says and hangs up. */
export function routedTo(flow: CallflowResponse): string {
  const makeCall = flow.callflow.find((a) => a.action === 'makeCall');
  return makeCall?.action === 'makeCall' ? makeCall.params.destination : 'else';
}

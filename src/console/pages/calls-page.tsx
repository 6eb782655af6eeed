import { type CallRecord, STORY_RECORDS } from '../../store/call-store.js';
import { formatPhone } from '../describe-rule.js';
import { Badge, Layout, SearchForm, Time } from '../layout.js';

export interface CallsView {
  search: string;
  records: CallRecord[];
  state: 'ok' | 'degraded' | 'off' | 'unreadable';
}

export function CallsPage({ view }: { view: CallsView }) {
  return (
    <Layout title="Recent calls" current="calls">
      <SearchForm action="/console/calls" label="Find a call" hint="A phone number, a session id or a call id, exactly" value={view.search} />
      {view.state === 'off' && <p class="notice">The decision log is off, so no calls are recorded. Set CALL_LOG to a file path to keep one.</p>}
      {view.state === 'unreadable' && <p class="problem">The decision log cannot be read right now; the server log says why.</p>}
      {view.state !== 'off' && view.state !== 'unreadable' && view.records.length === 0 && <p>{view.search ? `Nothing recorded matches “${view.search}”.` : 'No calls recorded yet.'}</p>}
      {view.records.length > 0 && (
        <div class="table-scroll">
          <table class="calls-table">
            <caption>{view.search ? `Records matching “${view.search}”, newest first` : `The latest ${view.records.length} records, newest first`}</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">What</th>
                <th scope="col">From → to</th>
                <th scope="col">Rule or status</th>
                <th scope="col">Session</th>
              </tr>
            </thead>
            <tbody>
              {view.records.map((r) => (
                <tr>
                  <td data-label="Time">
                    <Time at={r.at} />
                  </td>
                  <td data-label="What">{KIND_WORDS[r.kind]}</td>
                  <td data-label="From → to" class="mono">
                    {r.source || r.destination ? `${formatPhone(r.source ?? '?')} → ${formatPhone(r.destination ?? '?')}` : '–'}
                  </td>
                  <td data-label="Rule or status">
                    <Outcome record={r} />
                  </td>
                  <td data-label="Session">
                    <a class="mono" href={`/console/calls/${encodeURIComponent(r.sessionId)}`}>
                      {r.sessionId}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

const KIND_WORDS: Record<CallRecord['kind'], string> = { 'call-action': 'Call action', 'call-status': 'Status', 'session-summary': 'Session summary' };

function Outcome({ record: r }: { record: CallRecord }) {
  if (r.kind === 'call-action') {
    return r.decision?.outcome === 'fallback' ? <Badge tone="warn">{`Fallback${r.decision.reason ? `: ${r.decision.reason}` : ''}`}</Badge> : <span class="mono">{r.ruleId}</span>;
  }
  const ok = r.status === 'COMPLETED' || r.status === 'ANSWERED' || r.status === 'CALL_RECEIVED';
  return <Badge tone={ok ? 'ok' : 'info'}>{r.status ?? 'unknown'}</Badge>;
}

export function StoryPage({ sessionId, records, truncated, state }: { sessionId: string; records: CallRecord[]; truncated: boolean; state: CallsView['state'] }) {
  const first = records.find((r) => r.kind === 'call-action');
  const summary = records.find((r) => r.kind === 'session-summary');
  return (
    <Layout title="A call’s story" current="calls">
      <p>
        <a href="/console/calls">← Recent calls</a>
      </p>
      <dl class="facts panel">
        <div>
          <dt>Session</dt>
          <dd class="mono">{sessionId}</dd>
        </div>
        <div>
          <dt>Answered by</dt>
          <dd>{first ? <Outcome record={first} /> : 'not recorded'}</dd>
        </div>
        <div>
          <dt>Rules version</dt>
          <dd class="mono">{first?.rulesVersion ?? '–'}</dd>
        </div>
        <div>
          <dt>Outcome</dt>
          <dd>{summary?.status ?? 'not reported yet'}</dd>
        </div>
      </dl>
      {state === 'unreadable' && <p class="problem">The decision log cannot be read right now; the server log says why.</p>}
      {state === 'off' && <p class="notice">The decision log is off, so no calls are recorded.</p>}
      {(state === 'ok' || state === 'degraded') && records.length === 0 && <p>Nothing is recorded for this session (it may be older than the retention period).</p>}
      {records.length > 0 && (
        <ol class="timeline">
          {records.map((r) => (
            <li>
              <h3>
                <Time at={r.at} /> · {KIND_WORDS[r.kind]} {r.callId && <span class="muted mono">{`call ${r.callId}`}</span>}
              </h3>
              <p>
                <Outcome record={r} />
                {r.decision?.detail ? ` ${r.decision.detail}` : ''}
                {r.source || r.destination ? ` · ${formatPhone(r.source ?? '?')} → ${formatPhone(r.destination ?? '?')}` : ''}
              </p>
              {r.responseText && (
                <details>
                  <summary>Callflow sent</summary>
                  <pre>{pretty(r.responseText)}</pre>
                </details>
              )}
              {r.eventText && (
                <details>
                  <summary>Event received</summary>
                  <pre>{pretty(r.eventText)}</pre>
                </details>
              )}
            </li>
          ))}
        </ol>
      )}
      {truncated && (
        <p class="notice">
          Only the first {STORY_RECORDS.toLocaleString('en')} records of this session are shown, and its summary when it has one. The rest are kept in the decision log (table <code>call_log</code>, column{' '}
          <code>session_id</code>).
        </p>
      )}
    </Layout>
  );
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function LoginPage({ next, failed }: { next: string; failed: boolean }) {
  return (
    <Layout title="Sign in" signedIn={false}>
      <form method="post" action="/console/login" class="panel stack login">
        <input type="hidden" name="next" value={next} />
        <div>
          <label for="token">
            Console token<span class="hint">CONSOLE_TOKEN, or ADMIN_TOKEN when no console token is set</span>
          </label>
          <input id="token" name="token" type="password" autocomplete="current-password" required aria-invalid={failed ? 'true' : undefined} aria-describedby={failed ? 'token-error' : undefined} />
          {failed && (
            <p class="field-error" id="token-error">
              That token is not right. Check it and try again.
            </p>
          )}
        </div>
        <div class="actions-row">
          <button type="submit">Sign in</button>
        </div>
      </form>
    </Layout>
  );
}

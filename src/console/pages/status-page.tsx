import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { codeFrame, formatDiagnostic } from '../../diagnostics/format-diagnostic.js';
import type { RulesHealth } from '../../reload/live-rules.js';
import type { HourCount } from '../../store/call-store.js';
import { Badge, Layout, Time } from '../layout.js';

export interface StatusView {
  health: RulesHealth;
  /** The rule set's files, relative to the rules folder. */
  files: readonly string[];
  reloading: boolean;
  /** The last load's problems, paths relative to the rules folder, each with its file's text if readable. */
  problems: { diagnostic: Diagnostic; source?: string }[];
  store: 'ok' | 'degraded' | 'off' | 'unreadable';
  hours: HourCount[];
  now: Date;
}

export function StatusPage({ view }: { view: StatusView }) {
  const { health, problems } = view;
  const errors = problems.filter((p) => p.diagnostic.severity === 'error');
  const warnings = problems.filter((p) => p.diagnostic.severity === 'warning');
  const last = health.lastReload;
  return (
    <Layout title="Status" current="status">
      <div data-refresh="5">
        <section class="panel" aria-labelledby="live-rules">
          <h2 id="live-rules" class="first">
            Live rules {health.status === 'ok' ? <Badge tone="ok">Serving</Badge> : <Badge tone="warn">Serving the last good rules</Badge>}
          </h2>
          <dl class="facts">
            <div>
              <dt>Version</dt>
              <dd class="mono" data-testid="version">
                {health.version}
              </dd>
            </div>
            <div>
              <dt>Loaded at</dt>
              <dd>
                <Time at={health.loadedAt} />
              </dd>
            </div>
            <div>
              <dt>Files</dt>
              <dd>{health.files}</dd>
            </div>
            <div>
              <dt>Rules</dt>
              <dd>{health.rules}</dd>
            </div>
            <div>
              <dt>Reload</dt>
              <dd>{view.reloading ? <Badge tone="info">Reloading now…</Badge> : 'Idle'}</dd>
            </div>
          </dl>
          <details>
            <summary>The {view.files.length} files</summary>
            <ul class="mono">
              {view.files.map((f) => (
                <li>{f}</li>
              ))}
            </ul>
          </details>
        </section>

        <section class="panel" aria-labelledby="last-reload">
          <h2 id="last-reload" class="first">
            Last reload {last.ok ? <Badge tone="ok">Loaded</Badge> : <Badge tone="bad">Failed: not applied</Badge>}
          </h2>
          <p>
            <Time at={last.at} />
            {last.trigger ? `, after ${triggerWords(last.trigger)}` : ''}
            {last.durationMs !== undefined ? `, took ${last.durationMs} ms` : ''}.
          </p>
          {!last.ok && (
            <p>
              The rules answering calls are still the ones loaded at <Time at={health.loadedAt} />. Fix the problems below and save again.
            </p>
          )}
          {errors.length > 0 && (
            <div id="reload-errors">
              <h3>
                {errors.length} {errors.length === 1 ? 'error' : 'errors'}
              </h3>
              {errors.map((p) => (
                <Problem problem={p} />
              ))}
            </div>
          )}
          {warnings.length > 0 && (
            <details>
              <summary>
                {warnings.length} {warnings.length === 1 ? 'warning' : 'warnings'}
              </summary>
              {warnings.map((p) => (
                <Problem problem={p} />
              ))}
            </details>
          )}
          {problems.length === 0 && <p class="muted">No errors or warnings.</p>}
        </section>

        <section class="panel" aria-labelledby="decision-log">
          <h2 id="decision-log" class="first">
            Decision log <StoreBadge state={view.store} />
          </h2>
          {view.store === 'off' ? <p>The decision log is off, so calls are answered but not recorded. Set CALL_LOG to a file path to keep one.</p> : <HourTable hours={view.hours} now={view.now} />}
        </section>
      </div>
      <p class="muted">
        This page refreshes itself every few seconds. <a href="/console">Refresh now</a>
      </p>
    </Layout>
  );
}

function triggerWords(trigger: string): string {
  return { 'file-change': 'a saved change', SIGHUP: 'a SIGHUP signal', admin: 'POST /admin/reload', startup: 'startup' }[trigger] ?? trigger;
}

function StoreBadge({ state }: { state: StatusView['store'] }) {
  if (state === 'ok') return <Badge tone="ok">Recording</Badge>;
  if (state === 'off') return <Badge tone="info">Off</Badge>;
  if (state === 'degraded') return <Badge tone="warn">Writes failing</Badge>;
  return <Badge tone="bad">Cannot be read</Badge>;
}

/** The problem in the project's one line format, then the offending line with a caret. */
function Problem({ problem }: { problem: { diagnostic: Diagnostic; source?: string } }) {
  const d = problem.diagnostic;
  const frame = problem.source === undefined ? undefined : codeFrame(problem.source, d);
  return (
    <div class={`problem ${d.severity}`}>
      <p>{formatDiagnostic(d)}</p>
      {frame && (
        <pre role="region" aria-label={`line ${d.line} of ${d.file}`}>
          {frame}
        </pre>
      )}
    </div>
  );
}

const HOUR = 3_600_000;

function HourTable({ hours, now }: { hours: HourCount[]; now: Date }) {
  const byHour = new Map(hours.map((h) => [h.hour, h]));
  const current = Math.floor(now.getTime() / HOUR) * HOUR;
  const rows = Array.from({ length: 24 }, (_, i) => current - (23 - i) * HOUR).map((hour) => byHour.get(hour) ?? { hour, calls: 0, fallbacks: 0 });
  const total = rows.reduce((s, r) => s + r.calls, 0);
  const fallbacks = rows.reduce((s, r) => s + r.fallbacks, 0);
  const max = Math.max(1, ...rows.map((r) => r.calls));
  const shown = rows.filter((r) => r.calls > 0).reverse();
  return (
    <>
      <p>
        <strong>{total}</strong> {total === 1 ? 'call' : 'calls'} in the last 24 hours, <strong>{fallbacks}</strong> answered by the fallback.
      </p>
      {shown.length > 0 && (
        <div class="table-scroll">
          <table>
            <caption class="muted">Calls and fallbacks per hour (UTC), newest first; hours without calls are left out.</caption>
            <thead>
              <tr>
                <th scope="col">Hour</th>
                <th scope="col" class="num">
                  Calls
                </th>
                <th scope="col" class="num">
                  Fallbacks
                </th>
                <th scope="col" class="wide">
                  <span class="sr-only">Chart</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr>
                  <td class="mono">{`${new Date(r.hour).toISOString().slice(0, 13).replace('T', ' ')}:00`}</td>
                  <td class="num">{r.calls}</td>
                  <td class="num">{r.fallbacks}</td>
                  <td aria-hidden="true" class="wide chart">
                    <span class={`bar w${widthStep(r.calls - r.fallbacks, max)}`}></span>
                    {r.fallbacks > 0 && <span class={`bar fallback w${widthStep(r.fallbacks, max)}`}></span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** Bar widths in 5% steps, as classes: the page's policy allows no inline styles. */
function widthStep(value: number, max: number): number {
  return value <= 0 ? 0 : Math.max(1, Math.round((value / max) * 20));
}

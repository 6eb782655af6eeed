import type { Rule, RuleSet } from '../../engine/rule-set.js';
import { describeActions, describeRule } from '../describe-rule.js';
import { Badge, Layout } from '../layout.js';
import type { TryField, TryForm, TryResult } from '../try-call.js';
import { formatInZone } from '../zoned-time.js';
import { Steps } from './rules-page.js';

const FIELDS: { name: TryField; label: string; hint: string; type?: string; inputmode?: 'numeric' }[] = [
  { name: 'source', label: 'Caller', hint: 'The number calling, like +6581234567', type: 'tel' },
  { name: 'destination', label: 'Number called', hint: 'The virtual number, like +6568332048', type: 'tel' },
  { name: 'destinationRefId', label: 'Virtual number id', hint: '8x8’s reference for it, like vn-ref-1; may be empty' },
  { name: 'sourceCountryCode', label: 'Caller’s country', hint: 'Two letters, like SG; may be empty' },
  { name: 'subAccountId', label: 'Sub-account', hint: 'The 8x8 sub-account, like acme-my' },
  { name: 'at', label: 'Date and time', hint: 'In the time zone below; empty means now', type: 'datetime-local' },
  { name: 'tz', label: 'Time zone', hint: 'How to read the date and time' },
  { name: 'dtmf', label: 'Keys pressed', hint: 'Digits the caller entered in a menu, like 1', inputmode: 'numeric' },
  { name: 'clientActionId', label: 'In answer to', hint: 'The menu the keys answer, like main-menu' },
  { name: 'sessionId', label: 'Session id', hint: 'Decides which way a split sends the call' },
];

/** A page, not a report: past this, the rest of the explanation is counted, not listed. */
const MAX_SKIPPED_SHOWN = 200;

export interface TryView {
  form: TryForm;
  timezones: string[];
  result?: TryResult;
  ruleSet: RuleSet;
  shareUrl?: string;
  shownFile: (file: string) => string;
}

export function TryPage({ view }: { view: TryView }) {
  const { form, result } = view;
  const error = result && !result.ok ? result : undefined;
  return (
    <Layout title="Try a call" current="try">
      <p>Describe a call and see what the live rules answer: the exact callflow 8x8 would get, and why each rule before the winner did not take it.</p>
      <form method="get" action="/console/try" class="panel stack" novalidate>
        <div class="fields">
          {FIELDS.map((f) => {
            const invalid = error?.field === f.name;
            const describedBy = `${f.name}-hint${invalid ? ` ${f.name}-error` : ''}`;
            return (
              <div>
                <label for={f.name}>{f.label}</label>
                {f.name === 'tz' ? (
                  <select id="tz" name="tz" aria-describedby={describedBy}>
                    {view.timezones.map((z) => (
                      <option value={z} selected={z === form.tz}>
                        {z}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    id={f.name}
                    name={f.name}
                    type={f.type ?? 'text'}
                    value={form[f.name] ?? ''}
                    aria-describedby={describedBy}
                    aria-invalid={invalid ? 'true' : undefined}
                    autocomplete="off"
                    inputmode={f.inputmode}
                  />
                )}
                <span class="hint" id={`${f.name}-hint`}>
                  {f.hint}
                </span>
                {invalid && (
                  <p class="field-error" id={`${f.name}-error`}>
                    {error.message}
                  </p>
                )}
              </div>
            );
          })}
        </div>
        <div class="actions-row">
          <button type="submit">Try this call</button>
          <a href="/console/try">Start again</a>
        </div>
      </form>
      {error && !FIELDS.some((f) => f.name === error.field) && (
        <p class="problem" role="alert">
          {error.message}
        </p>
      )}
      {result?.ok && <TryOutcome view={view} result={result} />}
    </Layout>
  );
}

function TryOutcome({ view, result }: { view: TryView; result: TryResult & { ok: true } }) {
  const { decision, skipped } = result.explanation;
  const winner: Rule | undefined = decision.outcome === 'matched' ? result.winner : undefined;
  const tz = view.form.tz || 'UTC';
  return (
    <section aria-labelledby="outcome" id="result">
      <h2 id="outcome">
        {decision.outcome === 'matched' ? (
          <>
            <Badge tone="ok">Answered</Badge> by rule <span class="mono">{decision.ruleId}</span>
            {decision.branch === 'else' ? ' (its else: the caller has no masking pair)' : ''}
          </>
        ) : (
          <>
            <Badge tone="warn">Fallback</Badge> {decision.detail}
          </>
        )}
      </h2>
      <p class="muted">
        {`A call at ${formatInZone(result.at, tz)} ${tz}`}
        {winner ? `, decided by ${view.shownFile(winner.file)}:${winner.line}:${winner.col}` : ''}.
      </p>
      {winner && (
        <p class="sentence">
          {describeRule(winner).when} <Steps steps={describeRule(winner).steps} />
        </p>
      )}
      {decision.outcome === 'fallback' && (
        <p class="sentence">
          The fallback: <Steps steps={describeActions(view.ruleSet.fallback)} />
        </p>
      )}
      <h3>The callflow 8x8 gets</h3>
      <pre id="callflow" role="region" tabindex={0} aria-label="The callflow response, as JSON">
        {JSON.stringify(decision.response, null, 2)}
      </pre>
      {view.shareUrl && (
        <>
          <h3>Link to this try</h3>
          <div class="share">
            <label for="share-url" class="sr-only">
              Link to this try
            </label>
            <input id="share-url" readonly value={view.shareUrl} />
            <button type="button" class="secondary" data-copy="share-url">
              Copy link
            </button>
            <span id="share-url-note" role="status" class="muted"></span>
          </div>
        </>
      )}
      <h3>{skipped.length === 0 ? 'No rule was tried before it' : `Rules tried before it (${skipped.length})`}</h3>
      {skipped.length > 0 && (
        <ol class="skipped">
          {skipped.slice(0, MAX_SKIPPED_SHOWN).map((s) => (
            <li>
              <span class="mono">{s.rule.id}</span>: {s.text.slice(s.rule.id.length + 2)} <span class="muted mono">{`(${view.shownFile(s.rule.file)}:${s.rule.line})`}</span>
            </li>
          ))}
        </ol>
      )}
      {result.leftOut > 0 && <p class="muted">{`${result.leftOut.toLocaleString('en')} rules before it are written for other numbers and were not tried: they cannot answer this call.`}</p>}
      {skipped.length > MAX_SKIPPED_SHOWN && <p class="muted">{`… and ${(skipped.length - MAX_SKIPPED_SHOWN).toLocaleString('en')} more rules; \`simulate --explain\` lists them all.`}</p>}
      <details>
        <summary>The event tried</summary>
        <pre id="event">{JSON.stringify(result.event, null, 2)}</pre>
      </details>
    </section>
  );
}

import type { RuleSet } from '../../engine/rule-set.js';
import { describeActions, describeRule } from '../describe-rule.js';
import { Layout } from '../layout.js';
import type { VirtualNumber } from '../rule-catalogue.js';
import type { WeekView } from '../week-view.js';
import { Steps } from './rules-page.js';

export interface WeekPageView {
  numbers: VirtualNumber[];
  number?: VirtualNumber;
  week: string;
  caller: { source: string; sourceCountryCode: string; subAccountId: string };
  grid?: WeekView;
  ruleSet: RuleSet;
  error?: { field: string; message: string };
}

const KEYS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** More numbers than this are typed (with suggestions), not picked from a list of thousands. */
const MAX_LISTED = 200;

export function WeekPage({ view }: { view: WeekPageView }) {
  const { grid } = view;
  const keyOf = new Map(grid?.answering.map((id, i) => [id, id === 'fallback' ? 'F' : (KEYS[i] ?? String(i))]) ?? []);
  const toneOf = (id: string) => (id === 'fallback' ? 'kf' : `k${(grid?.answering.indexOf(id) ?? 0) % 7}`);
  return (
    <Layout title="Week view" current="week">
      <p>Which rule answers a call to one virtual number at the start of each hour of a week, holidays included, in the time zone its rules are written in.</p>
      <form method="get" action="/console/week" class="panel stack">
        <div class="fields">
          <div>
            <label for="number">Virtual number</label>
            {view.numbers.length <= MAX_LISTED ? (
              <select id="number" name="number">
                {view.numbers.map((n) => (
                  <option value={n.value} selected={n.value === view.number?.value}>
                    {n.value}
                  </option>
                ))}
              </select>
            ) : (
              <>
                <input id="number" name="number" list="numbers" value={view.number?.value ?? ''} autocomplete="off" />
                <datalist id="numbers">
                  {view.numbers.slice(0, MAX_LISTED).map((n) => (
                    <option value={n.value}></option>
                  ))}
                </datalist>
              </>
            )}
          </div>
          <div>
            <label for="week">
              Week<span class="hint">Like 2026-W33, or any date in it</span>
            </label>
            <input id="week" name="week" type="week" value={view.week} aria-invalid={view.error?.field === 'week' ? 'true' : undefined} aria-describedby={view.error?.field === 'week' ? 'week-error' : undefined} />
            {view.error?.field === 'week' && (
              <p class="field-error" id="week-error">
                {view.error.message}
              </p>
            )}
          </div>
          <div>
            <label for="source">
              Caller<span class="hint">Rules may answer callers differently</span>
            </label>
            <input id="source" name="source" type="tel" value={view.caller.source} />
          </div>
          <div>
            <label for="sourceCountryCode">Caller’s country</label>
            <input id="sourceCountryCode" name="sourceCountryCode" value={view.caller.sourceCountryCode} />
          </div>
          <div>
            <label for="subAccountId">Sub-account</label>
            <input id="subAccountId" name="subAccountId" value={view.caller.subAccountId} />
          </div>
        </div>
        <div class="actions-row">
          <button type="submit">Show the week</button>
        </div>
      </form>
      {view.error && view.error.field !== 'week' && <p class="problem">{view.error.message}</p>}
      {view.numbers.length === 0 && <p>No rule names a virtual number, so every number is answered the same way.</p>}
      {grid && view.number && (
        <section aria-labelledby="grid-title">
          <h2 id="grid-title">
            <span class="mono">{view.number.value}</span>, week of {grid.days[0]!.date} ({grid.timezone})
          </h2>
          <h3>Key</h3>
          <ul class="legend">
            {grid.answering.map((id) => {
              const rule = grid.rules.get(id);
              return (
                <li>
                  <span class={`key ${toneOf(id)}`}>{keyOf.get(id)}</span>
                  <span>
                    <span class="mono">{id}</span>
                    {': '}
                    {rule ? (
                      <>
                        {describeRule(rule).when} <Steps steps={describeRule(rule).steps} />
                      </>
                    ) : (
                      <>
                        no rule answers: the fallback <Steps steps={describeActions(view.ruleSet.fallback)} />
                      </>
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
          <div class="table-scroll">
            <table class="week">
              <caption>{`The rule answering each hour, ${grid.timezone} time. Letters are explained in the key above.`}</caption>
              <thead>
                <tr>
                  <th scope="col" class="hour">
                    Hour
                  </th>
                  {grid.days.map((d) => (
                    <th scope="col">
                      {d.weekday}
                      <br />
                      <span class="muted">{d.date.slice(5)}</span>
                      {d.holidays.length > 0 && <span class="holiday-mark">{`Holiday (${d.holidays.join(', ')})`}</span>}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: 24 }, (_, h) => (
                  <tr>
                    <th scope="row" class="hour">{`${String(h).padStart(2, '0')}:00`}</th>
                    {grid.days.map((d, i) => {
                      const id = grid.cells[i]![h]!;
                      return (
                        <td class={`cell ${toneOf(id)}`} title={id}>
                          <span aria-hidden="true">{keyOf.get(id)}</span>
                          <span class="sr-only">{`${d.weekday} ${h}:00 ${id}`}</span>
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </Layout>
  );
}

import type { Rule, RuleSet } from '../../engine/rule-set.js';
import { describeActions, describeRule } from '../describe-rule.js';
import { Badge, Layout, Time } from '../layout.js';
import { filesOf, type RuleCatalogue, type RuleEntry } from '../rule-catalogue.js';
import type { RuleStats } from '../rule-stats.js';

export function Steps({ steps }: { steps: string[] }) {
  return (
    <span class="steps">
      {steps.map((s) => (
        <>
          <span class="arrow" aria-hidden="true">
            →
          </span>
          <span class="sr-only">then </span>
          {s}{' '}
        </>
      ))}
    </span>
  );
}

/** Past this many rules the page lists files (each a link) instead of every rule, so it stays small. */
const MAX_RULES_SHOWN = 1000;

export function RulesPage(props: { ruleSet: RuleSet; catalogue: RuleCatalogue; stats: RuleStats; days: number; shownFile: (file: string) => string; file?: string }) {
  const { ruleSet, catalogue, stats, days, shownFile } = props;
  const all = filesOf(catalogue);
  const chosen = props.file === undefined ? all : all.filter((f) => shownFile(f.file) === props.file);
  const shown = chosen.reduce((n, f) => n + f.entries.length, 0);
  if (shown > MAX_RULES_SHOWN && props.file === undefined) return <FileIndex files={all} days={days} shownFile={shownFile} total={catalogue.entries.length} />;
  // One file bigger than the limit: its first rules, and say so. Only the rules shown are made into objects.
  const files = chosen.map((f) => ({ file: f.file, rules: f.entries.slice(0, MAX_RULES_SHOWN).map((e) => ruleSet.rules[e.order]!) }));
  const stale = stats.knowsStale ? catalogue.entries.filter((e) => !stats.hits.has(e.id)).length : 0;
  return (
    <Layout title="Rules" current="rules">
      <p>
        {catalogue.entries.length} rules in {files.length} files, in the order they are tried: the first rule that fits a call answers it. Hits count {stats.basis}.
      </p>
      {stats.knowsStale && stale > 0 && (
        <p>
          <Badge tone="warn">{`${stale} not matched in ${days} days`}</Badge> <span class="muted">marked below with a dashed border.</span>
        </p>
      )}
      <form method="get" action="/console/rules" class="search compact" id="days-form">
        <div>
          <label for="days">Mark rules not matched in the last … days</label>
          <input id="days" name="days" type="number" min="1" max="3650" value={String(days)} inputmode="numeric" />
        </div>
        <button type="submit" class="secondary">
          Show
        </button>
      </form>
      {props.file !== undefined && (
        <p>
          {files.length === 0 ? `No rule file is called “${props.file}”. ` : `Only ${props.file}${shown > MAX_RULES_SHOWN ? `, its first ${MAX_RULES_SHOWN} of ${shown} rules` : ''}. `}
          <a href={`/console/rules?days=${days}`}>All files</a>
        </p>
      )}
      {props.file !== undefined && <input type="hidden" name="file" value={props.file} form="days-form" />}
      {files.map((f) => (
        <section class="file" aria-labelledby={`file-${f.rules[0]!.order}`}>
          <h2 id={`file-${f.rules[0]!.order}`}>{shownFile(f.file)}</h2>
          <ol class="rules">
            {f.rules.map((rule) => (
              <RuleItem rule={rule} stats={stats} days={days} />
            ))}
          </ol>
        </section>
      ))}
      <section class="file" aria-labelledby="fallback">
        <h2 id="fallback">Fallback (settings.yaml)</h2>
        <ol class="rules">
          <li>
            <p class="sentence">
              Calls no rule answers, or that a rule cannot answer <Steps steps={describeActions(ruleSet.fallback)} />
            </p>
            <p class="rule-stats">{hitsText(stats.hits.get('fallback'))}</p>
          </li>
        </ol>
      </section>
    </Layout>
  );
}

function FileIndex({ files, days, shownFile, total }: { files: { file: string; entries: readonly RuleEntry[] }[]; days: number; shownFile: (file: string) => string; total: number }) {
  return (
    <Layout title="Rules" current="rules">
      <p>{`${total.toLocaleString('en')} rules in ${files.length.toLocaleString('en')} ${files.length === 1 ? 'file' : 'files'}, in the order they are tried. Pick a file to read its rules.`}</p>
      <ol class="mono">
        {files.map((f) => (
          <li>
            <a href={`/console/rules?file=${encodeURIComponent(shownFile(f.file))}&days=${days}`}>{shownFile(f.file)}</a>
            <span class="muted">{` (${f.entries.length.toLocaleString('en')} rules)`}</span>
          </li>
        ))}
      </ol>
    </Layout>
  );
}

function hitsText(n: number | undefined): string {
  return `${n ?? 0} ${n === 1 ? 'hit' : 'hits'}`;
}

function RuleItem({ rule, stats, days }: { rule: Rule; stats: RuleStats; days: number }) {
  const s = describeRule(rule);
  const hits = stats.hits.get(rule.id);
  const last = stats.lastHit.get(rule.id);
  const stale = stats.knowsStale && hits === undefined;
  return (
    <li class={stale ? 'stale' : undefined} id={`rule-${rule.order}`}>
      <div class="rule-head">
        <span class="order">{`#${rule.order + 1}`}</span>
        <span class="rule-id">{rule.id}</span>
        <span class="muted">{`line ${rule.line}`}</span>
        {stale && <Badge tone="warn">{`Not matched in ${days} days`}</Badge>}
      </div>
      <p class="sentence">
        {s.when} <Steps steps={s.steps} />
      </p>
      {s.otherwise && (
        <p class="sentence">
          If the caller has no current masking pair: <Steps steps={s.otherwise} />
        </p>
      )}
      <p class="rule-stats">
        {hitsText(hits)}
        {last !== undefined && (
          <>
            , last <Time at={last} />
          </>
        )}
      </p>
    </li>
  );
}

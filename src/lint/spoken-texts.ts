import type { Template } from '../engine/rule-set.js';
import { choiceActions } from '../rules/menu-graph.js';
import { compileTemplate } from '../rules/compile-template.js';
import type { YamlPath } from '../source/parse-yaml.js';
import type { Action as ActionSource } from '../types/generated/rules.js';
import { ownerName } from './lint-context.js';
import type { LintContext, LintFile } from './lint.js';

/** A text 8x8 speaks to the caller, and where it is written. */
export interface SpokenText {
  text: Template;
  /** For messages: `this say of rule \`x\``, `the prompt of menu \`main\``. */
  what: string;
  source: LintFile<unknown>;
  path: YamlPath;
}

/**
 * Every say, sayAndCapture prompt and menu text the rules can speak: the rules' and the fallback's
 * actions as compiled, and each menu's prompt, retry words and actions as written (menus compile
 * into rules of their own, which have no place in `rules:`).
 */
export function spokenTexts(ctx: LintContext): SpokenText[] {
  const out: SpokenText[] = [];
  for (const site of ctx.actions) {
    const a = site.action;
    if (a.action === 'say') out.push({ text: a.text, what: `this say of ${ownerName(site)}`, source: site.source, path: [...site.path, 'say'] });
    // A `- menu:` step is its menu's prompt, listed with the menu below.
    else if (a.action === 'sayAndCapture' && a.next === undefined) {
      out.push({ text: a.prompt, what: `the sayAndCapture prompt of ${ownerName(site)}`, source: site.source, path: [...site.path, 'sayAndCapture'] });
    }
  }
  const seen = new Set<string>();
  for (const source of ctx.files) {
    for (const [name, menu] of Object.entries(source.data.menus ?? {})) {
      if (!menu || seen.has(name)) continue;
      seen.add(name);
      const at: YamlPath = ['menus', name];
      const written = (text: string, what: string, path: YamlPath) => {
        const t = compileTemplate(text);
        if (t.ok) out.push({ text: t.template, what, source, path });
      };
      written(menu.prompt, `the prompt of menu \`${name}\``, [...at, 'prompt']);
      if (menu.invalid?.say !== undefined) written(menu.invalid.say, `the \`invalid\` say of menu \`${name}\``, [...at, 'invalid', 'say']);
      if (menu.noInput?.say !== undefined) written(menu.noInput.say, `the \`noInput\` say of menu \`${name}\``, [...at, 'noInput', 'say']);
      const says = (actions: readonly ActionSource[], path: YamlPath, where: string) =>
        actions.forEach((a, j) => {
          if (typeof a !== 'object' || a === null || a.say === undefined) return;
          written(typeof a.say === 'string' ? a.say : a.say.text, `this say of ${where}`, [...path, j, 'say']);
        });
      for (const [key, choice] of Object.entries(menu.options ?? {})) {
        const actions = choice === undefined ? undefined : choiceActions(choice);
        if (!actions) continue;
        const path: YamlPath = [...at, 'options', key];
        // A single action is written as the option itself, not as a list.
        if (Array.isArray(choice)) says(actions, path, `option "${key}" of menu \`${name}\``);
        else if (typeof choice === 'object' && choice.say !== undefined) written(typeof choice.say === 'string' ? choice.say : choice.say.text, `this say of option "${key}" of menu \`${name}\``, [...path, 'say']);
      }
      if (menu.found) says(menu.found, [...at, 'found'], `\`found\` of menu \`${name}\``);
      if (menu.exhausted) says(menu.exhausted, [...at, 'exhausted'], `\`exhausted\` of menu \`${name}\``);
    }
  }
  return out;
}

import { warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import { menuLinks, menuParents, reachableMenus } from '../rules/menu-graph.js';
import type { Menu, RulesFile } from '../types/generated/rules.js';
import type { Lint, LintContext, LintFile } from './lint.js';

interface MenuSite {
  name: string;
  menu: Menu;
  source: LintFile<RulesFile>;
}

/** Every menu as written, with its file (the first declaration of a name; duplicates do not load). */
function menusOf(ctx: LintContext): Map<string, MenuSite> {
  const out = new Map<string, MenuSite>();
  for (const source of ctx.files) {
    for (const [name, menu] of Object.entries(source.data.menus ?? {})) if (menu && !out.has(name)) out.set(name, { name, menu, source });
  }
  return out;
}

const at = (site: MenuSite, ...path: string[]) => ({ file: site.source.file, ...site.source.locate(['menus', site.name, ...path], 'key') });

export const unreachableMenu: Lint = {
  code: 'unreachable-menu',
  summary: 'a menu that no rule opens (`- menu: name`), directly or through another menu',
  run(ctx) {
    const menus = menusOf(ctx);
    const reached = reachableMenus(
      ctx.files.map((f) => f.data),
      new Map([...menus].map(([n, s]) => [n, s.menu])),
    );
    return [...menus.values()]
      .filter((site) => !reached.has(site.name))
      .map((site) => warning('unreachable-menu', `no caller can reach menu \`${site.name}\`: no rule or other menu opens it. Add \`- menu: ${site.name}\` as the last action of a rule, or remove the menu`, at(site)));
  },
};

export const menuKeyTooLong: Lint = {
  code: 'menu-key-too-long',
  summary: 'a menu option whose key has more keys than the menu collects (`digits`)',
  run(ctx) {
    const out: Diagnostic[] = [];
    for (const site of menusOf(ctx).values()) {
      const digits = site.menu.digits ?? 1;
      for (const key of Object.keys(site.menu.options ?? {})) {
        if (key.length <= digits) continue;
        out.push(
          warning(
            'menu-key-too-long',
            `option "${key}" of menu \`${site.name}\` can never be chosen: the menu collects at most ${digits} key${digits === 1 ? '' : 's'}. Raise \`digits:\` to ${key.length}, or use a shorter key`,
            at(site, 'options', key),
          ),
        );
      }
    }
    return out;
  },
};

export const menuNoWayOut: Lint = {
  code: 'menu-no-way-out',
  summary: 'menus that only lead to each other: no option or `exhausted` ever connects or ends the call',
  run(ctx) {
    const menus = menusOf(ctx);
    const byName = new Map([...menus].map(([n, s]) => [n, s.menu]));
    const parents = menuParents(byName);
    const next = new Map<string, Set<string>>();
    const out = new Set<string>();
    for (const [name, menu] of byName) {
      const links = menuLinks(menu);
      if (links.exits) out.add(name);
      // `back` leads to the one menu that opens this one; an unknown menu is reported at load.
      next.set(name, new Set([...links.to, ...(links.back ? (parents.get(name) ?? []) : [])].filter((m) => byName.has(m))));
    }
    // A menu lets the caller out when it, or a menu it leads to, does.
    for (let changed = true; changed; ) {
      changed = false;
      for (const [name, to] of next) {
        if (out.has(name) || ![...to].some((m) => out.has(m))) continue;
        out.add(name);
        changed = true;
      }
    }
    return [...menus.values()]
      .filter((site) => !out.has(site.name))
      .map((site) => {
        const loop = [...(next.get(site.name) ?? [])].map((m) => `\`${m}\``).join(', ');
        return warning(
          'menu-no-way-out',
          `menu \`${site.name}\` has no way out: every option and its \`exhausted\` open another menu (${loop}), and none of those ever connects or ends the call. ` +
            'Give one of them an option that connects the caller, or an `exhausted` that says goodbye and hangs up',
          at(site),
        );
      });
  },
};

export const menuNoExhausted: Lint = {
  code: 'menu-no-exhausted',
  summary: 'a menu with no `exhausted`: callers who run out of tries get the fallback',
  run(ctx) {
    return [...menusOf(ctx).values()]
      .filter((site) => site.menu.exhausted === undefined)
      .map((site) =>
        warning(
          'menu-no-exhausted',
          `menu \`${site.name}\` has no \`exhausted\`: a caller who runs out of tries gets the fallback from settings.yaml. Add \`exhausted:\` to say what they hear (for example goodbye, then hangup)`,
          at(site),
        ),
      );
  },
};

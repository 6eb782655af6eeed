import type { Action as ActionSource, Menu, MenuChoice, RulesFile } from '../types/generated/rules.js';

/** Every `menu:` the actions open, through splits. */
function menuRefs(actions: readonly ActionSource[] | undefined): string[] {
  const out: string[] = [];
  for (const a of actions ?? []) {
    if (typeof a !== 'object' || a === null) continue;
    if (a.menu !== undefined) out.push(a.menu);
    for (const branch of a.split ?? []) out.push(...menuRefs(branch.then));
  }
  return out;
}

/** A menu option as actions; undefined for `repeat` and `back`. */
export function choiceActions(choice: MenuChoice): ActionSource[] | undefined {
  if (choice === 'repeat' || choice === 'back') return undefined;
  return Array.isArray(choice) ? choice : [choice as ActionSource];
}

/** The menus each menu leads to (its options, `found` and `exhausted`), and whether it has a way out of the menus. */
export interface MenuLinks {
  to: Set<string>;
  /** An option or `exhausted` that ends somewhere other than a menu (a call, a hangup, the fallback). */
  exits: boolean;
  /** Options written as `back`. */
  back: boolean;
}

export function menuLinks(menu: Menu): MenuLinks {
  const links: MenuLinks = { to: new Set(), exits: menu.exhausted === undefined, back: false };
  const follow = (actions: readonly ActionSource[]) => {
    const refs = menuRefs(actions);
    refs.forEach((r) => links.to.add(r));
    // An action list that opens no menu (or only in some split branches) lets the caller out.
    if (refs.length === 0 || !endsInMenuEverywhere(actions)) links.exits = true;
  };
  for (const choice of Object.values(menu.options ?? {})) {
    if (choice === undefined) continue;
    if (choice === 'back') links.back = true;
    const actions = choiceActions(choice);
    if (actions) follow(actions);
  }
  if (menu.exhausted) follow(menu.exhausted);
  // A PIN menu connects the caller when the PIN is right (by default it only calls the party).
  if (menu.ask === 'pin') {
    if (menu.found) follow(menu.found);
    else links.exits = true;
  }
  return links;
}

function endsInMenuEverywhere(actions: readonly ActionSource[]): boolean {
  const last = actions[actions.length - 1];
  if (typeof last !== 'object' || last === null) return false;
  if (last.menu !== undefined) return true;
  return last.split?.every((b) => endsInMenuEverywhere(b.then)) ?? false;
}

/** For each menu, the menus whose options, `found` or `exhausted` open it: where `back` goes. */
export function menuParents(menus: ReadonlyMap<string, Menu>): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const [name, menu] of menus) {
    for (const to of menuLinks(menu).to) {
      if (to === name) continue;
      parents.set(to, [...(parents.get(to) ?? []), name]);
    }
  }
  return parents;
}

/** Menus opened by some rule (`then`, `else`), directly or through other menus. */
export function reachableMenus(files: readonly RulesFile[], menus: ReadonlyMap<string, Menu>): Set<string> {
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const file of files) for (const rule of file.rules) queue.push(...menuRefs(rule.then), ...menuRefs(rule.else));
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const menu = menus.get(name);
    if (menu) queue.push(...menuLinks(menu).to);
  }
  return seen;
}

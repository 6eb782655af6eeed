import type { Action, SplitAction, Step } from './rule-set.js';

/** FNV-1a over UTF-16 code units, then murmur3's finaliser so near-identical ids spread over all 32 bits. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The branch a session takes: the same session id always lands in the same branch. */
export function chooseBranch(split: SplitAction, sessionId: string): number {
  const point = (hash32(`${split.salt}\u0000${sessionId}`) / 2 ** 32) * split.totalWeight;
  let upTo = 0;
  for (let i = 0; i < split.branches.length; i++) {
    upTo += split.branches[i]!.weight;
    if (point < upTo) return i;
  }
  return split.branches.length - 1;
}

/** The steps this session runs: every split replaced by the steps of its chosen branch. */
export function chooseSteps(actions: readonly Action[], sessionId: string): readonly Step[] {
  // Most rules have no split: hand their actions back as they are, without copying.
  if (!actions.some((a) => a.action === 'split')) return actions as readonly Step[];
  const steps: Step[] = [];
  for (const action of actions) {
    if (action.action === 'split') {
      steps.push(...chooseSteps(action.branches[chooseBranch(action, sessionId)]!.actions, sessionId));
    } else {
      steps.push(action);
    }
  }
  return steps;
}

/** Every step list the actions can produce, one per combination of split branches (for load-time checks). */
export function allStepLists(actions: readonly Action[]): Step[][] {
  let lists: Step[][] = [[]];
  for (const action of actions) {
    if (action.action === 'split') {
      const tails = action.branches.flatMap((b) => allStepLists(b.actions));
      lists = lists.flatMap((head) => tails.map((tail) => [...head, ...tail]));
    } else {
      for (const list of lists) list.push(action);
    }
  }
  return lists;
}

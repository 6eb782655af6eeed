export type DiffLine = { kind: 'same' | 'removed' | 'added'; text: string };

/** A line diff by longest common subsequence: inputs are a few lines, so O(n·m) is nothing. */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  const n = before.length;
  const m = after.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = before[i] === after[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      out.push({ kind: 'same', text: before[i]! });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // Removed before added, so a changed line reads "- expected" then "+ actual".
      out.push({ kind: 'removed', text: before[i]! });
      i++;
    } else {
      out.push({ kind: 'added', text: after[j]! });
      j++;
    }
  }
  return out;
}

/** `- expected` / `+ actual` / `  same`, the way git and vitest show a difference. */
export function renderDiff(lines: readonly DiffLine[]): string {
  return lines.map((l) => `${l.kind === 'removed' ? '- ' : l.kind === 'added' ? '+ ' : '  '}${l.text}`).join('\n');
}

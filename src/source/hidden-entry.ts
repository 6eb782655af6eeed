/**
 * Whether one path segment is something no loader reads: a hidden entry (`.git`, vim's
 * `.x.yaml.swp`) or an editor's backup (`~x`, `x.yaml~`). Kubernetes' `..data` link and
 * `..2024_…` folders are hidden too; the watcher alone follows them (`keepKubernetesLinks`).
 */
export function isHiddenSegment(segment: string, keepKubernetesLinks = false): boolean {
  const dot = segment.startsWith('.') && !(keepKubernetesLinks && segment.startsWith('..'));
  return dot || segment.startsWith('~') || segment.endsWith('~');
}

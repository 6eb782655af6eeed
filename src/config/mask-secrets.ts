/** Keys whose values are secrets (webhookAuth, adminToken), also when misspelt or in another case. */
const SECRET_KEY = /^(\s*(?:-\s+)?["']?)([\w.-]*(?:auth|token|secret|passw|database_?url)[\w.-]*)(["']?\s*:)(.*)$/i;

/**
 * The config file's text as error messages may quote it: the value of every secret-looking key
 * replaced by stars of the same length, so line:col and the caret still point at the right place.
 * Block scalars (`key: |`) are masked to the end of their indented lines.
 */
export function maskSecrets(text: string): string {
  const lines = text.split('\n');
  let blockIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const indent = line.length - line.trimStart().length;
    if (blockIndent >= 0) {
      if (line.trim() === '' || indent > blockIndent) {
        lines[i] = line.slice(0, indent) + stars(line.slice(indent));
        continue;
      }
      blockIndent = -1;
    }
    const m = SECRET_KEY.exec(line);
    if (!m) continue;
    const value = m[4]!;
    const lead = value.length - value.trimStart().length;
    lines[i] = m[1]! + m[2]! + m[3]! + value.slice(0, lead) + stars(value.slice(lead));
    if (/^[|>][-+0-9]*\s*(#.*)?$/.test(value.trim())) blockIndent = indent;
  }
  return lines.join('\n');
}

const stars = (s: string) => s.replace(/[^\s]/g, '*').replace(/\s+$/, (ws) => ws);

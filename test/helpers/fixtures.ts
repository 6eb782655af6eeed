import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path of one of 8x8's sample events in test/fixtures/8x8 (e.g. `call-action.json`). */
function sampleEventPath(file: string): string {
  return fileURLToPath(new URL(`../fixtures/8x8/${file}`, import.meta.url));
}

/** The raw text of one of 8x8's sample events, exactly as 8x8 sends it. */
export function sampleEventText(file: string): string {
  return readFileSync(sampleEventPath(file), 'utf8');
}

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes a rules folder with `count` rules split over `files` files, shaped like real rules:
 * an exact destinationRefId (indexed), a source prefix, a say and a makeCall.
 * Usage: tsx bench/make-rules-folder.ts <dir> [count=100000] [files=1]
 */
export async function generateRules(dir: string, count: number, files = 1): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'settings.yaml'), 'voiceProfile: en-US-ZiraRUS\n');
  const perFile = Math.ceil(count / files);
  for (let f = 0; f < files; f++) {
    const lines = ['rules:'];
    for (let i = f * perFile; i < Math.min(count, (f + 1) * perFile); i++) {
      lines.push(
        `  - id: rule-${i}`,
        `    when:`,
        `      destinationRefId: vn-ref-${i}`,
        `      source: { prefix: "+65${9000 + (i % 1000)}" }`,
        `    then:`,
        `      - say: "Connecting you to team ${i}, please hold."`,
        `      - makeCall: "+6561${String(i % 1000000).padStart(6, '0')}"`,
      );
    }
    await writeFile(join(dir, `rules-${String(f).padStart(3, '0')}.yaml`), `${lines.join('\n')}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, count = '100000', files = '1'] = process.argv.slice(2);
  if (!dir) throw new Error('usage: make-rules-folder.ts <dir> [count] [files]');
  await generateRules(dir, Number(count), Number(files));
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkRooms } from '../scripts/check-rooms.js';
import { ROOMS, type Room } from '../scripts/rooms.js';
import { removeDir, tempDir, writeFiles } from './helpers/reload-harness.js';

describe('the map of rooms', () => {
  it('holds for src/: every import between rooms is allowed, and no files import each other in a circle', () => {
    expect(checkRooms('src')).toEqual([]);
  });

  it("is README's map of rooms: each line names the rooms its folders may import", () => {
    const readme = readFileSync('README.md', 'utf8');
    const rows = readme
      .split('\n')
      .filter((line) => line.startsWith('| `src/') || line.startsWith('| `schema/`'))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    const listed = new Map<string, string[]>();
    for (const [, folders = '', , may = ''] of rows) {
      const rooms = [...folders.matchAll(/`src\/([^/`]+)\//g)].map((m) => m[1]!);
      listed.set(rooms.join(', '), mayImport(may));
    }
    const expected = new Map<string, string[]>();
    for (const key of listed.keys()) {
      const union = new Set(key.split(', ').flatMap((room) => ROOMS[room]?.may ?? [`(${room} is not in scripts/rooms.ts)`]));
      expected.set(key, [...union].sort());
    }
    expect(listed).toEqual(expected);
    expect([...listed.keys()].flatMap((key) => key.split(', ')).sort()).toEqual(Object.keys(ROOMS).sort());
  });
});

/** `engine, rules (fixed sessions), source` → the room names; "nothing …" or "—" → none. */
function mayImport(cell: string): string[] {
  const plain = cell.replace(/\([^)]*\)/g, '').trim();
  if (plain === '—' || plain.startsWith('nothing')) return [];
  return plain
    .split(',')
    .map((name) => name.trim())
    .sort();
}

describe('the rooms check', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  const rooms: Record<string, Room> = { engine: { may: [], pure: true }, rules: { may: ['engine'] }, http: { may: ['engine', 'rules'] }, text: { may: [] } };

  it.each([
    ['an import between rooms the map allows', { 'rules/a.ts': "import { x } from '../engine/x.js';", 'engine/x.ts': 'export const x = 1;' }, []],
    ['a shared room, from any room but a pure one', { 'rules/a.ts': "import { s } from '../text/s.js';", 'text/s.ts': 'export const s = 1;' }, []],
    [
      'an import that runs back up',
      { 'engine/x.ts': "export const x = 1;\nimport type { A } from '../rules/a.js';", 'rules/a.ts': 'export type A = 1;' },
      [
        "src/engine/x.ts:2: engine may not import rules ('../rules/a.js'): move what it needs into a room both may use, or, if the map is what is wrong, change ROOMS in scripts/rooms.ts and the map of rooms in README.md",
      ],
    ],
    [
      'a pure room reaching for I/O',
      { 'engine/x.ts': "import { readFileSync } from 'node:fs';" },
      ["src/engine/x.ts:1: engine is pure (no I/O, nothing from outside) and may not import 'node:fs': pass what it needs in as a value instead"],
    ],
    [
      'a pure room importing a shared one',
      { 'engine/x.ts': "import { s } from '../text/s.js';", 'text/s.ts': '' },
      ["src/engine/x.ts:1: engine may not import text ('../text/s.js'): move what it needs into a room both may use, or, if the map is what is wrong, change ROOMS in scripts/rooms.ts and the map of rooms in README.md"],
    ],
    [
      'files importing each other in a circle, types only',
      { 'rules/a.ts': "import type { B } from './b.js';\nexport type A = 1;", 'rules/b.ts': "import type { C } from './c.js';\nexport type B = 1;", 'rules/c.ts': "import type { A } from './a.js';\nexport type C = 1;" },
      ['src/rules/a.ts:1: these files import each other in a circle: src/rules/a.ts -> src/rules/b.ts -> src/rules/c.ts -> src/rules/a.ts: move what they share into a file of its own'],
    ],
    [
      'a folder the map does not know',
      { 'widgets/w.tsx': "import { x } from '../engine/x.js';", 'engine/x.ts': '' },
      ['src/widgets/w.tsx:1: `widgets` is not a room of the map: add it to ROOMS in scripts/rooms.ts and a line for it to the map of rooms in README.md'],
    ],
    [
      'a dynamic import that runs back up',
      { 'rules/a.ts': "export async function f() { return import('../http/h.js'); }", 'http/h.ts': '' },
      ["src/rules/a.ts:1: rules may not import http ('../http/h.js'): move what it needs into a room both may use, or, if the map is what is wrong, change ROOMS in scripts/rooms.ts and the map of rooms in README.md"],
    ],
  ])('%s', async (_, files, problems) => {
    await writeFiles(join(dir, 'src'), files);
    expect(checkRooms(join(dir, 'src'), rooms)).toEqual(problems);
  });

  it('refuses a map whose rooms may import each other in a circle', async () => {
    await writeFiles(join(dir, 'src'), { 'rules/a.ts': '' });
    expect(checkRooms(join(dir, 'src'), { rules: { may: ['http'] }, http: { may: ['rules'] } })).toEqual([
      'scripts/rooms.ts:1: the map lets these rooms import each other in a circle: http -> rules: one of them must not import the next',
    ]);
  });
});

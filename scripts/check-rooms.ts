// Holds src/ to the map of rooms in scripts/rooms.ts: every import between rooms is one the map
// allows, a pure room imports nothing from outside, and no files import each other in a circle.
// Run by `npm run lint`; prints `file:line: problem` and exits 1 when anything is off.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { ROOMS, type Room, SHARED_ROOMS } from './rooms.js';

interface Import {
  from: string;
  line: number;
  spec: string;
  /** The imported file relative to src/, or undefined for a package or a file outside src/. */
  to: string | undefined;
}

const FIX = 'or, if the map is what is wrong, change ROOMS in scripts/rooms.ts and the map of rooms in README.md';

/** Every problem in `srcDir` as `path:line: words`, paths relative to `srcDir`'s parent; none = the map holds. */
export function checkRooms(srcDir: string, rooms: Readonly<Record<string, Room>> = ROOMS): string[] {
  const root = dirname(resolve(srcDir));
  const shown = (file: string) => relative(root, join(srcDir, file));
  const files = sourceFiles(srcDir);
  const imports = files.flatMap((file) => importsOf(srcDir, file));
  const problems: string[] = [...mapCircles(rooms)];

  const unknown = new Set<string>();
  for (const file of files) {
    const room = roomOf(file);
    if (!rooms[room] && !unknown.has(room)) {
      unknown.add(room);
      problems.push(`${shown(file)}:1: \`${room}\` is not a room of the map: add it to ROOMS in scripts/rooms.ts and a line for it to the map of rooms in README.md`);
    }
  }

  for (const imp of imports) {
    const room = roomOf(imp.from);
    const rule = rooms[room];
    if (!rule) continue;
    const where = `${shown(imp.from)}:${imp.line}`;
    if (imp.to === undefined) {
      if (rule.pure && !imp.spec.startsWith('.')) problems.push(`${where}: ${room} is pure (no I/O, nothing from outside) and may not import '${imp.spec}': pass what it needs in as a value instead`);
      continue;
    }
    const target = roomOf(imp.to);
    if (target === room || target === 'types') continue;
    const allowed = !rule.pure && (rule.may.includes(target) || (SHARED_ROOMS as readonly string[]).includes(target));
    if (!allowed) problems.push(`${where}: ${room} may not import ${target} ('${imp.spec}'): move what it needs into a room both may use, ${FIX}`);
  }

  for (const circle of fileCircles(imports)) {
    const first = imports.find((i) => i.from === circle[0] && i.to === (circle[1] ?? circle[0]));
    problems.push(`${shown(circle[0]!)}:${first?.line ?? 1}: these files import each other in a circle: ${[...circle, circle[0]!].map(shown).join(' -> ')}: move what they share into a file of its own`);
  }
  return problems;
}

function roomOf(file: string): string {
  return file.split('/')[0]!;
}

function sourceFiles(srcDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(srcDir, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
    }
  };
  walk('');
  return out.sort();
}

/** Static imports, re-exports, `import type` and `import('…')`, read the way the compiler reads them. */
function importsOf(srcDir: string, file: string): Import[] {
  const text = readFileSync(join(srcDir, file), 'utf8');
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map(({ fileName: spec, pos }) => ({ from: file, spec, line: lineAt(text, pos), to: resolveSpec(srcDir, file, spec) }));
}

function resolveSpec(srcDir: string, file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const path = relative(srcDir, join(srcDir, dirname(file), spec))
    .split('\\')
    .join('/');
  if (path.startsWith('..')) return undefined;
  // Sources import each other by their emitted name: `./x.js` is x.ts or x.tsx.
  if (!path.endsWith('.js')) return path;
  const tsPath = path.replace(/\.js$/, '.ts');
  return existsSync(join(srcDir, tsPath)) ? tsPath : path.replace(/\.js$/, '.tsx');
}

function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Each group of files that import each other, in the order one circle runs (Tarjan's components). */
function fileCircles(imports: readonly Import[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of imports) {
    if (to === undefined) continue;
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  return components(next)
    .filter((c) => c.length > 1 || (next.get(c[0]!) ?? []).includes(c[0]!))
    .map((c) => orderCircle(c, next));
}

/** Rooms whose allowances lead back to themselves: allowed one by one, they would still make a circle. */
function mapCircles(rooms: Readonly<Record<string, Room>>): string[] {
  const next = new Map(Object.entries(rooms).map(([name, room]) => [name, [...room.may]]));
  return components(next)
    .filter((c) => c.length > 1)
    .map((c) => `scripts/rooms.ts:1: the map lets these rooms import each other in a circle: ${orderCircle(c, next).join(' -> ')}: one of them must not import the next`);
}

function components(next: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      out.push(component.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

/** The members of one component in the order of a circle through them, from the first by name. */
function orderCircle(members: readonly string[], next: ReadonlyMap<string, readonly string[]>): string[] {
  const inside = new Set(members);
  const path = [members[0]!];
  const seen = new Set(path);
  for (;;) {
    const step = (next.get(path[path.length - 1]!) ?? []).find((w) => inside.has(w) && !seen.has(w));
    if (step === undefined) return path;
    path.push(step);
    seen.add(step);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const problems = checkRooms(srcDir);
  for (const p of problems) console.error(p);
  if (problems.length > 0) process.exit(1);
  console.log(`rooms: every import in src/ keeps to the map in scripts/rooms.ts (${Object.keys(ROOMS).length} rooms), no circles`);
}

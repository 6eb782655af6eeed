import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import { sourceFiles, type RuleSources } from '../rules/build-rule-set.js';
import { decodePackedRuleSet, encodePackedRuleSet } from '../rules/packed-file.js';
import { isPackedRuleSet, type PackedRuleSet } from '../rules/packed-rule-set.js';

/**
 * The compiled rule set kept on disk, so that a restart with unchanged rule files (a pod
 * restart, the common case) adopts it instead of parsing and compiling again.
 *
 * A cache entry is only ever used for exactly the files it was built from: its key hashes every
 * file's name and text, this router's own code (a new build compiles differently) and Node's
 * version (the byte format of `v8.serialize`, which the header and odd rules still use). Each
 * file carries a checksum of its payload, so a truncated or damaged file is detected and ignored
 * with a warning, never served. The payload is the loader's hand-over layout
 * (src/rules/packed-file.ts): adopted as views, with no copy.
 */
export interface CachedRules {
  packed: PackedRuleSet;
  /** The build's warnings, printed again on a cached start. */
  diagnostics: Diagnostic[];
}

/** Bumped when the layout of a cache file changes. */
const FORMAT = 3; // 3: rules in the rule-codec encoding (2: one v8.serialize per rule)
const PREFIX = 'rules-';
const SUFFIX = '.bin';
const DIGEST_BYTES = 32;

/** The key of a folder's content for this build of the router. */
export async function cacheKey(sources: RuleSources): Promise<string> {
  const hash = createHash('sha256').update(`${FORMAT}\0${process.version}\0${await codeId()}\0`);
  for (const f of sourceFiles(sources)) {
    hash.update(f.file).update('\0').update(f.text).update('\0');
  }
  return hash.digest('hex');
}

/**
 * The cached rule set for `key`, or undefined (no entry: silently; an unusable one: with a
 * warning, and the file is removed so that the next successful load writes a good one).
 */
export async function readCachedRules(dir: string, key: string): Promise<{ cached?: CachedRules; warning?: Diagnostic }> {
  const file = entryPath(dir, key);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    return {};
  }
  const unusable = async (reason: string) => {
    await rm(file, { force: true }).catch(() => undefined);
    return {
      warning: warning(
        'rules-cache-unusable',
        `the compiled-rules cache ${file} could not be used (${reason}), so the rules were compiled from the files instead; nothing to do unless this repeats (then check the disk, or turn the cache off with RULES_CACHE=off)`,
      ),
    };
  };
  if (bytes.length <= DIGEST_BYTES) return unusable('the file is truncated');
  const payload = bytes.subarray(DIGEST_BYTES);
  if (!createHash('sha256').update(payload).digest().equals(bytes.subarray(0, DIGEST_BYTES))) return unusable('its checksum does not match: the file is damaged');
  let decoded: ReturnType<typeof decodePackedRuleSet>;
  try {
    decoded = decodePackedRuleSet(payload);
  } catch (e) {
    return unusable(`it cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { packed } = decoded;
  const { format, key: storedKey, diagnostics } = (decoded.extra ?? {}) as Record<string, unknown>;
  if (format !== FORMAT || storedKey !== key) return unusable('it was written for other rule files or another version of the router');
  if (!isPackedRuleSet(packed) || !Array.isArray(diagnostics)) return unusable('its content is not a rule set');
  return { cached: { packed, diagnostics: diagnostics as Diagnostic[] } };
}

/**
 * Writes the entry for `key` (to a temporary file renamed into place, so a reader never sees
 * half of it) and removes older entries: the folder holds one rule set, the latest.
 */
export async function writeCachedRules(dir: string, key: string, rules: CachedRules): Promise<void> {
  await mkdir(dir, { recursive: true });
  const payload = encodePackedRuleSet(rules.packed, { format: FORMAT, key, diagnostics: rules.diagnostics });
  const digest = createHash('sha256');
  for (const part of payload) digest.update(part);
  const file = entryPath(dir, key);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, Buffer.concat([digest.digest(), ...payload]));
  await rename(tmp, file);
  for (const name of await readdir(dir)) {
    if (name.startsWith(PREFIX) && name !== `${PREFIX}${shortKey(key)}${SUFFIX}` && (name.endsWith(SUFFIX) || name.endsWith('.tmp'))) await rm(join(dir, name), { force: true });
  }
}

export function entryPath(dir: string, key: string): string {
  return join(dir, `${PREFIX}${shortKey(key)}${SUFFIX}`);
}

function shortKey(key: string): string {
  return key.slice(0, 32);
}

let code: Promise<string> | undefined;

/** A hash of every source file of this router (src/ or dist/): any change to the code is another cache. */
function codeId(): Promise<string> {
  return (code ??= (async () => {
    const root = dirname(dirname(fileURLToPath(import.meta.url)));
    const files = (await readdir(root, { recursive: true })).filter((f) => /\.(js|ts|mjs|json)$/.test(f)).sort();
    const hash = createHash('sha256');
    for (const f of files)
      hash
        .update(f)
        .update('\0')
        .update(await readFile(join(root, f)))
        .update('\0');
    return hash.digest('hex');
  })());
}

import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Pool, PoolNumber } from '../engine/pool.js';
import type { SourceFile } from '../source/parse-yaml.js';
import { readValidatedYaml } from '../source/read-validated-yaml.js';
import { checkPhoneNumber } from './phone-number.js';
import { validatePoolsFile } from './schemas.js';

/** pools.yaml → pools by name. Problems go to `diagnostics` with file:line:col. */
export function compilePools(source: SourceFile, diagnostics: Diagnostic[]): ReadonlyMap<string, Pool> {
  const pools = new Map<string, Pool>();
  const read = readValidatedYaml(source, validatePoolsFile, diagnostics);
  if (!read) return pools;
  const { data, parsed } = read;
  data.pools.forEach((raw, i) => {
    const at = parsed.locate(['pools', i]);
    const earlier = pools.get(raw.name);
    if (earlier) {
      diagnostics.push(error('duplicate-pool', `pool \`${raw.name}\` is already declared at ${earlier.file}:${earlier.line}: give each pool its own name`, { file: source.file, ...parsed.locate(['pools', i, 'name']) }));
      return;
    }
    const numbers: PoolNumber[] = [];
    const seen = new Set<string>();
    raw.numbers.forEach((entry, j) => {
      const written = typeof entry === 'string' ? entry : entry.number;
      const where = { file: source.file, ...parsed.locate(typeof entry === 'string' ? ['pools', i, 'numbers', j] : ['pools', i, 'numbers', j, 'number']) };
      const phone = checkPhoneNumber(written);
      if (!phone.ok) {
        diagnostics.push(error('bad-phone-number', phone.message, where));
        return;
      }
      if (seen.has(phone.e164)) {
        diagnostics.push(error('duplicate-pool-number', `${phone.e164} is listed twice in pool \`${raw.name}\`: remove one`, where));
        return;
      }
      seen.add(phone.e164);
      const country = (typeof entry === 'string' ? undefined : entry.country?.toUpperCase()) ?? parsePhoneNumberFromString(phone.e164)?.country;
      numbers.push({ number: phone.e164, ...(typeof entry !== 'string' && entry.refId ? { refId: entry.refId } : {}), ...(country ? { country } : {}) });
    });
    pools.set(raw.name, { name: raw.name, coolOffMs: (raw.coolOff ?? 0) * 1000, numbers, file: source.file, line: at.line });
  });
  return pools;
}

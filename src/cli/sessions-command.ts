import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { readImportCsv } from '../sessions/import-csv.js';
import { openSessionsOnce } from '../sessions/open-sessions.js';
import { requestHash } from '../sessions/sessions-service.js';
import { printDiagnostics, type Output } from './print-diagnostics.js';
import { UsageError } from './usage-error.js';

/**
 * `sessions import FILE.csv [--config FILE]`: loads a pairs table into the sessions file
 * (SESSIONS_DB) as open sessions. A server running on the same file picks them up within about
 * half a second (it follows the file's change sequence), without a restart. With DATABASE_URL
 * the rows go to PostgreSQL instead, and every router there picks them up the same way.
 */
export async function sessionsCommand(args: string[], out: Output, err: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'import') throw new UsageError(sub ? `unknown sessions command "${sub}": use sessions import FILE.csv` : 'sessions needs a command: sessions import FILE.csv');
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { config: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('sessions import needs one CSV file (columns virtualNumber,partyA,partyB[,expires,ref,record])');
  const file = positionals[0]!;
  const configFile = values.config ?? (env.CONFIG_FILE || undefined);
  const settings = await loadConfig({ ...(configFile ? { file: configFile } : {}), env });
  printDiagnostics(settings.diagnostics, settings.texts, err);
  if (!settings.config) return 1;
  if (settings.config.sessionsDb === 'off') {
    err.write('sessions are off (SESSIONS_DB=off): set SESSIONS_DB to the sessions file to import into\n');
    return 1;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  const read = readImportCsv(file, text, Date.now());
  if (read.diagnostics.length > 0) {
    printDiagnostics(read.diagnostics, new Map([[file, text]]), err);
    err.write(`\nnothing imported: fix the ${read.diagnostics.length} problem${read.diagnostics.length === 1 ? '' : 's'} above and run the import again\n`);
    return 1;
  }
  let opened: Awaited<ReturnType<typeof openSessionsOnce>>;
  try {
    opened = await openSessionsOnce(settings.config);
  } catch (e) {
    err.write(`cannot open the sessions (${settings.config.databaseUrl ? 'DATABASE_URL' : 'SESSIONS_DB'}): ${e instanceof Error ? e.message : String(e)}; nothing imported\n`);
    return 1;
  }
  const { sessions, where: into } = opened;
  let created = 0;
  let existing = 0;
  const refused: string[] = [];
  try {
    // Queued together, the rows commit in a few large transactions.
    const results = await Promise.all(read.rows.map((r) => sessions.create(r.input, requestHash({ import: r.input }))));
    results.forEach((r, i) => {
      if (!r.ok) refused.push(`${file}:${read.rows[i]!.line}: ${r.message}`);
      else if (r.replay) existing++;
      else created++;
    });
  } finally {
    await opened.close();
  }
  for (const line of refused) err.write(`${line}\n`);
  out.write(
    `imported ${created} sessions into ${into}${existing ? `; ${existing} were there already` : ''}${read.skipped ? `; ${read.skipped} rows had already expired` : ''}${refused.length ? `; ${refused.length} refused` : ''}\n`,
  );
  return refused.length > 0 ? 1 : 0;
}

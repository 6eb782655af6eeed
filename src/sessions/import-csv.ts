import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import { checkPhoneNumber } from '../rules/phone-number.js';
import { readCsv, type CsvCell } from '../source/parse-csv.js';
import { parseIsoWithZone } from '../text/dates.js';
import type { CreateInput } from './sessions-service.js';

const IMPORT_COLUMNS = ['virtualNumber', 'partyA', 'partyB', 'expires', 'ref', 'record'] as const;
type Column = (typeof IMPORT_COLUMNS)[number];

export interface ImportRow {
  input: CreateInput;
  line: number;
}

/**
 * A pairs table (the same columns as the rules folder's .csv, plus optional ref and record) as
 * sessions to create. Each row without a ref gets `file:line` as its ref, so importing the same
 * file twice creates nothing new. Rows that have ended already are skipped.
 */
export function readImportCsv(file: string, text: string, now: number): { rows: ImportRow[]; skipped: number; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const rows: ImportRow[] = [];
  let skipped = 0;
  let columns: Map<Column, number> | undefined;
  let headerSeen = false;
  const report = (message: string, at: { line: number; col: number }) => diagnostics.push(error('bad-csv', message, { file, line: at.line, col: at.col }));
  readCsv(
    text,
    (row) => {
      if (!headerSeen) {
        headerSeen = true;
        columns = new Map();
        row.cells.forEach((c, i) => {
          const column = IMPORT_COLUMNS.find((k) => k.toLowerCase() === c.value.toLowerCase());
          if (column) columns!.set(column, i);
          else report(`unknown column \`${c.value}\`: the columns are ${IMPORT_COLUMNS.join(', ')}`, c);
        });
        for (const need of ['virtualNumber', 'partyA', 'partyB'] as const) if (!columns.has(need)) report(`the header has no \`${need}\` column`, row.cells[0] ?? { line: row.line, col: 1 });
        return;
      }
      if (!columns || diagnostics.length > 20) return;
      const cell = (c: Column): CsvCell | undefined => {
        const i = columns!.get(c);
        return i === undefined ? undefined : row.cells[i];
      };
      const number = (c: Column) => {
        const at = cell(c);
        if (!at?.value) {
          report(`\`${c}\` is empty in this row`, at ?? { line: row.line, col: 1 });
          return undefined;
        }
        const phone = checkPhoneNumber(at.value);
        if (!phone.ok) report(phone.message, at);
        return phone.ok ? phone.e164 : undefined;
      };
      const virtualNumber = number('virtualNumber');
      const a = number('partyA');
      const b = number('partyB');
      if (!virtualNumber || !a || !b) return;
      if (a === b) return void report(`partyA and partyB are the same number (${a}): a session connects two different people`, cell('partyB')!);
      let expiresAt: number | undefined;
      const expires = cell('expires');
      if (expires?.value) {
        expiresAt = parseIsoWithZone(expires.value);
        if (expiresAt === undefined) return void report(`"${expires.value}" is not a date and time with a timezone offset: write it like 2026-12-31T23:59:00+08:00, or leave it empty`, expires);
        if (expiresAt <= now) return void skipped++;
      }
      const record = cell('record')?.value.toLowerCase();
      if (record && !['true', 'false', 'yes', 'no', '1', '0'].includes(record)) return void report(`record must be true or false, not "${record}"`, cell('record')!);
      const ref = cell('ref')?.value || `${file}:${row.line}`;
      rows.push({
        line: row.line,
        input: {
          parties: [a, b],
          virtualNumber,
          ...(expiresAt === undefined ? {} : { expiresAt }),
          ref,
          ...(record ? { record: ['true', 'yes', '1'].includes(record) } : {}),
        },
      });
    },
    (p) => report(p.message, p),
  );
  if (!headerSeen) report(`this table is empty: start it with the header line ${IMPORT_COLUMNS.slice(0, 4).join(',')}`, { line: 1, col: 1 });
  return { rows, skipped, diagnostics };
}

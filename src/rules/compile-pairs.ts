import { error, type Diagnostic, type DiagnosticCode } from '../diagnostics/diagnostic.js';
import { normalizePhone, E164_SHAPE } from '../engine/phone.js';
import { EMPTY_PAIRS, numberKey, PairIndexBuilder, phoneDigits, refKey, type PairIndex } from '../engine/pair-index.js';
import { didYouMean } from '../text/suggest.js';
import { parseIsoWithZone } from '../text/dates.js';
import { readCsv, type CsvCell, type CsvRow } from '../source/parse-csv.js';
import type { SourceFile } from '../source/parse-yaml.js';

const PAIR_COLUMNS = ['virtualNumber', 'partyA', 'partyB', 'expires'] as const;
type Column = (typeof PAIR_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['virtualNumber', 'partyA', 'partyB'];

/** After this many problems in one table the rest are counted, not listed: a broken export can have 100k bad rows. */
const MAX_PROBLEMS_PER_FILE = 20;

const REF_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

/**
 * The folder's masking-pair tables (.csv) as one index: for each virtual number, each party maps
 * to the other. Numbers are checked for E.164 shape only (not against numbering plans) so a
 * 100k-row table loads in well under the reload budget.
 */
export function compilePairs(files: readonly SourceFile[], diagnostics: Diagnostic[]): PairIndex {
  if (files.length === 0) return EMPTY_PAIRS;
  // Two entries per row at most; counting lines is far cheaper than growing the tables.
  const lines = files.reduce((n, f) => n + countLines(f.text), 0);
  const builder = new PairIndexBuilder(2 * lines);
  for (const file of files) compileFile(file, builder, diagnostics);
  return builder.build();
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function compileFile(file: SourceFile, builder: PairIndexBuilder, diagnostics: Diagnostic[]): void {
  const fileId = builder.fileId(file.file);
  let problems = 0;
  const report = (code: DiagnosticCode, message: string, line: number, col: number) => {
    problems++;
    if (problems <= MAX_PROBLEMS_PER_FILE) diagnostics.push(error(code, message, { file: file.file, line, col }));
  };
  let header: CsvRow | undefined;
  let columns: Map<Column, number> | undefined;
  const expiries = new Map<string, number | undefined>();
  const virtualNumbers = new Map<string, ReturnType<typeof virtualNumberKey>>();
  readCsv(
    file.text,
    (row) => {
      if (!header) {
        header = row;
        columns = readHeader(row.cells, report);
      } else if (columns) {
        addRow(row, header, columns);
      }
    },
    (p) => report('bad-csv', p.message, p.line, p.col),
  );
  if (!header) report('missing-column', `this pairs table is empty: start it with the header line ${PAIR_COLUMNS.join(',')}`, 1, 1);

  function addRow(row: CsvRow, header: CsvRow, columns: Map<Column, number>): void {
    if (row.cells.length > header.cells.length) {
      const extra = row.cells[header.cells.length]!;
      report('bad-csv', `this row has ${row.cells.length} values but the header has ${header.cells.length} columns: remove the extra value or a stray comma`, extra.line, extra.col);
      return;
    }
    const cell = (c: Column): CsvCell | undefined => {
      const i = columns.get(c);
      return i === undefined ? undefined : row.cells[i];
    };
    const missing = REQUIRED.find((c) => !cell(c)?.value);
    if (missing) {
      const at = cell(missing) ?? row.cells[row.cells.length - 1]!;
      report('missing-column', `\`${missing}\` is empty in this row: every pair needs virtualNumber, partyA and partyB`, at.line, at.col);
      return;
    }
    const vnCell = cell('virtualNumber')!;
    const aCell = cell('partyA')!;
    const bCell = cell('partyB')!;
    let vnKey = virtualNumbers.get(vnCell.value);
    if (!vnKey) virtualNumbers.set(vnCell.value, (vnKey = virtualNumberKey(vnCell.value)));
    if (typeof vnKey !== 'string') {
      report(vnKey.code, vnKey.message, vnCell.line, vnCell.col);
      return;
    }
    const vn = builder.virtualNumberId(vnKey);
    const a = partyNumber(aCell.value);
    const b = partyNumber(bCell.value);
    if (a === undefined || b === undefined) {
      const bad = a === undefined ? aCell : bCell;
      report('bad-phone-number', `"${bad.value}" is not a phone number: write it in international format with the country code, like +6591234567`, bad.line, bad.col);
      return;
    }
    if (a === b) {
      report('pair-same-party', `partyA and partyB are the same number (${a}): a pair connects two different people`, bCell.line, bCell.col);
      return;
    }
    const expiresCell = cell('expires');
    let expiresAt: number | undefined;
    if (expiresCell && expiresCell.value !== '') {
      // A table often repeats a few expiry times; parse each text once.
      if (!expiries.has(expiresCell.value)) expiries.set(expiresCell.value, parseIsoWithZone(expiresCell.value));
      expiresAt = expiries.get(expiresCell.value);
      if (expiresAt === undefined) {
        report(
          'bad-expiry',
          `"${expiresCell.value}" is not a date and time with a timezone offset: write it like 2026-12-31T23:59:00+08:00 (or end with Z for UTC), or leave it empty for no expiry`,
          expiresCell.line,
          expiresCell.col,
        );
        return;
      }
    }
    const digitsA = phoneDigits(a)!;
    const digitsB = phoneDigits(b)!;
    let duplicate = false;
    for (const [party, digits, partyCell] of [
      [a, digitsA, aCell],
      [b, digitsB, bCell],
    ] as const) {
      const earlier = builder.existing(vn, digits);
      if (earlier) {
        duplicate = true;
        report(
          'duplicate-pair',
          `${party} already has a pair on ${vnCell.value} (${earlier.file}:${earlier.line}): a caller can have only one pair per virtual number, so remove one of the two rows`,
          partyCell.line,
          partyCell.col,
        );
      }
    }
    if (duplicate) return;
    builder.add(vn, digitsA, digitsB, expiresAt, fileId, row.line);
    builder.add(vn, digitsB, digitsA, expiresAt, fileId, row.line);
  }
  if (problems > MAX_PROBLEMS_PER_FILE) {
    diagnostics.push(error('bad-csv', `${problems - MAX_PROBLEMS_PER_FILE} more problems in this pairs table are not shown: fix the ones above and validate again`, { file: file.file }));
  }
}

type Report = (code: DiagnosticCode, message: string, line: number, col: number) => void;

function readHeader(cells: readonly CsvCell[], report: Report): Map<Column, number> | undefined {
  const columns = new Map<Column, number>();
  let ok = true;
  cells.forEach((c, i) => {
    const column = PAIR_COLUMNS.find((k) => k.toLowerCase() === c.value.toLowerCase());
    if (!column) {
      ok = false;
      // Spreadsheets in many locales save "CSV" with semicolons or tabs.
      const separator = /[;\t]/.exec(c.value)?.[0];
      const hint = separator
        ? `; separate the columns with commas, not ${separator === ';' ? 'semicolons' : 'tabs'} (in a spreadsheet: save as "CSV, comma-separated")`
        : didYouMean(c.value, PAIR_COLUMNS) || `; the columns are ${PAIR_COLUMNS.join(', ')}`;
      report('unknown-column', `unknown column \`${c.value}\`${hint}`, c.line, c.col);
    } else if (columns.has(column)) {
      ok = false;
      report('bad-csv', `column \`${column}\` appears twice in the header`, c.line, c.col);
    } else {
      columns.set(column, i);
    }
  });
  for (const column of REQUIRED) {
    if (!columns.has(column) && ok) {
      ok = false;
      report('missing-column', `the header has no \`${column}\` column: start the table with ${PAIR_COLUMNS.join(',')}`, cells[0]!.line, 1);
    }
  }
  return ok ? columns : undefined;
}

/** "+65…" is the virtual number itself (matched to `destination`); anything else is its 8x8 reference id. */
function virtualNumberKey(value: string): string | { code: DiagnosticCode; message: string } {
  if (value.startsWith('+')) {
    const number = normalizePhone(value);
    if (!E164_SHAPE.test(number)) return { code: 'bad-phone-number', message: `"${value}" is not a phone number: write the virtual number like +6568332048, or give its reference id (like vn-ref-1)` };
    return numberKey(number);
  }
  if (!REF_ID.test(value)) return { code: 'bad-value', message: `"${value}" is not a virtual number: give its reference id (like vn-ref-1) or the number with + (like +6568332048)` };
  return refKey(value);
}

function partyNumber(value: string): string | undefined {
  if (E164_SHAPE.test(value)) return value;
  const number = normalizePhone(value);
  return E164_SHAPE.test(number) ? number : undefined;
}

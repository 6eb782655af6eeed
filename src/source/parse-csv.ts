/** One CSV cell and where it starts (1-based), so a problem in row 80,000 can be pointed at. */
export interface CsvCell {
  value: string;
  line: number;
  col: number;
}

export interface CsvRow {
  line: number;
  cells: CsvCell[];
}

export interface CsvProblem {
  message: string;
  line: number;
  col: number;
}

export interface CsvResult {
  rows: CsvRow[];
  problems: CsvProblem[];
}

/**
 * A small CSV reader for tables people keep in a spreadsheet: comma-separated, optional "quotes"
 * ("" inside quotes is a quote), CRLF or LF. Blank lines and lines starting with # are skipped.
 * A quoted value must end on its own line: a phone table has no multi-line cells, and this keeps
 * every position exact. Lines without quotes (nearly all) take a fast split.
 */
export function parseCsv(text: string): CsvResult {
  const rows: CsvRow[] = [];
  const problems: CsvProblem[] = [];
  readCsv(
    text,
    (row) => rows.push(row),
    (problem) => problems.push(problem),
  );
  return { rows, problems };
}

/**
 * The same, one row at a time: a 100k-row table is never held as 100k row objects, which keeps
 * the garbage collector (most of the load time otherwise) out of the way.
 */
export function readCsv(text: string, onRow: (row: CsvRow) => void, onProblem: (problem: CsvProblem) => void): void {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // Excel's byte-order mark
  const bomShift = body === text ? 0 : 1;
  let start = 0;
  let line = 0;
  while (start <= body.length) {
    line++;
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    let raw = body.slice(start, end);
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    const colShift = line === 1 ? bomShift : 0;
    start = end + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    if (!raw.includes('"')) {
      const cells: CsvCell[] = [];
      let col = 1;
      for (const part of raw.split(',')) {
        cells.push({ value: part.trim(), line, col: col + colShift });
        col += part.length + 1;
      }
      onRow({ line, cells });
      continue;
    }
    const parsed = parseQuotedLine(raw, line, colShift);
    if ('message' in parsed) onProblem(parsed);
    else onRow({ line, cells: parsed });
  }
}

function parseQuotedLine(raw: string, line: number, colShift: number): CsvCell[] | CsvProblem {
  const cells: CsvCell[] = [];
  let i = 0;
  for (;;) {
    const cellStart = i;
    while (raw[i] === ' ' || raw[i] === '\t') i++;
    let value: string;
    if (raw[i] === '"') {
      const quoteAt = i;
      value = '';
      i++;
      for (;;) {
        const q = raw.indexOf('"', i);
        if (q < 0) return { message: 'a quoted value is not closed: add the closing " on the same line', line, col: quoteAt + 1 + colShift };
        value += raw.slice(i, q);
        if (raw[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      while (raw[i] === ' ' || raw[i] === '\t') i++;
      if (i < raw.length && raw[i] !== ',') return { message: 'unexpected text after a closing quote: put a comma after the quoted value', line, col: i + 1 + colShift };
      cells.push({ value, line, col: quoteAt + 1 + colShift });
    } else {
      const comma = raw.indexOf(',', i);
      const stop = comma < 0 ? raw.length : comma;
      value = raw.slice(i, stop);
      if (value.includes('"')) return { message: 'a quote may only start a value: wrap the whole value in quotes and double any quote inside it', line, col: i + value.indexOf('"') + 1 + colShift };
      cells.push({ value: value.trim(), line, col: cellStart + 1 + colShift });
      i = stop;
    }
    if (i >= raw.length) return cells;
    i++; // the comma
  }
}

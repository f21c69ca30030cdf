// A small CSV reader for NAB's numeric files: a header line, comma-separated fields, no quoting,
// no embedded commas or newlines (NAB data, labels-derived and result files are all like this).
// It is deliberately not a general CSV parser; quoted fields are refused, not guessed at.

import { ANOMALY_ERR, AnomalyError } from './errors.ts';

export interface CsvTable {
  /** Column names from the header line, trimmed. */
  readonly header: readonly string[];
  /** Data rows, each with exactly header.length fields. */
  readonly rows: readonly (readonly string[])[];
}

/** Splits `text` into header and rows; blank lines are skipped. `source` names the file in errors. */
export function parseCsv(text: string, source: string): CsvTable {
  const lines = text.split(/\r?\n/);
  let h = 0;
  while (h < lines.length && lines[h].trim() === '') h++;
  if (h === lines.length) throw new AnomalyError(ANOMALY_ERR.PARSE, `${source}: empty CSV`, source);
  const header = splitLine(lines[h], source, h).map((s) => s.trim());
  const rows: string[][] = [];
  for (let i = h + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const fields = splitLine(lines[i], source, i);
    if (fields.length !== header.length) {
      throw new AnomalyError(
        ANOMALY_ERR.PARSE,
        `${source}:${i + 1}: ${fields.length} fields, header has ${header.length}`,
        { source, line: i + 1 },
      );
    }
    rows.push(fields);
  }
  return { header, rows };
}

/** Index of column `name`; throws ANOMALY_ERR_PARSE when absent. */
export function columnIndex(table: CsvTable, name: string, source: string): number {
  const i = table.header.indexOf(name);
  if (i < 0) throw new AnomalyError(ANOMALY_ERR.PARSE, `${source}: no '${name}' column`, { source, header: table.header });
  return i;
}

/** Parses column `col` as finite numbers. */
export function numericColumn(table: CsvTable, col: number, source: string): Float64Array {
  const out = new Float64Array(table.rows.length); // [N]
  for (let i = 0; i < table.rows.length; i++) {
    const text = table.rows[i][col].trim();
    const v = Number(text);
    if (text === '' || !Number.isFinite(v)) {
      throw new AnomalyError(ANOMALY_ERR.PARSE, `${source}:${i + 2}: not a finite number: '${text}'`, { source, row: i });
    }
    out[i] = v;
  }
  return out;
}

function splitLine(line: string, source: string, i: number): string[] {
  if (line.includes('"')) {
    throw new AnomalyError(ANOMALY_ERR.PARSE, `${source}:${i + 1}: quoted fields are not supported`, { source, line: i + 1 });
  }
  return line.split(',');
}

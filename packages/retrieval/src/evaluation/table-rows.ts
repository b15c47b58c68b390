import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { PathLensError } from '@pathlens/core';

/** One data row of a JSONL/CSV/TSV file, keys lower-cased; `line` counts from 1 (CSV: the header is line 1). */
export interface TableRow {
  line: number;
  values: Record<string, unknown>;
}

/**
 * Stream the rows of a `.jsonl`/`.ndjson` (one JSON object a line), `.csv` or `.tsv` (header
 * row) file, without loading it whole. A JSONL line that is not an object is yielded with
 * `values` empty and `error` set, so the caller can report it and go on.
 */
export async function* readTableRows(file: string): AsyncGenerator<TableRow & { error?: string }> {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson') {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    let line = 0;
    for await (const text of lines) {
      line++;
      if (!text.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        yield { line, values: {}, error: `not JSON (${(error as Error).message})` };
        continue;
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        yield { line, values: {}, error: 'not a JSON object' };
        continue;
      }
      yield { line, values: lowerCaseKeys(value as Record<string, unknown>) };
    }
    return;
  }
  if (extension === '.csv' || extension === '.tsv') {
    const parser = createReadStream(file).pipe(
      parse({
        columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
        delimiter: extension === '.tsv' ? '\t' : ',',
        bom: true,
        skip_empty_lines: true,
        relax_column_count: true,
        info: true,
      }),
    );
    for await (const record of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield { line: record.info.lines, values: record.record };
    }
    return;
  }
  throw new PathLensError('unsupported_format', `${file}: use a .jsonl, .csv or .tsv file (one row per image).`, {
    file,
  });
}

function lowerCaseKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key.toLowerCase(), entry]));
}

/** The first non-empty string among a row's candidate columns, with the column it came from. */
export function firstColumn(
  values: Record<string, unknown>,
  columns: readonly string[],
): { column: string; value: string } | undefined {
  for (const column of columns) {
    const value = values[column];
    if (typeof value === 'string' && value.trim()) return { column, value: value.trim() };
  }
  return undefined;
}

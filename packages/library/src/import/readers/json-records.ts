import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { JSONParser } from '@streamparser/json';
import type { RecordReader, SourceRecord } from '../source-record.ts';

/**
 * Stream the elements of a single JSON document, one record per top-level element, without
 * holding the document: an array of row objects (PathVQA's `[{"Image_ID", "Questions",
 * "Answers"}, …]`) or an object keyed by id (ARCH's `{"0": {"caption", "uuid", …}, …}` or
 * `{"id": "caption"}`). A string element becomes `{ caption }`; an object element keeps its
 * fields and, in an object, gains its key as `id` when it has none. A syntax error ends the
 * document there (every element before it is kept) and is reported.
 */
export async function readJsonRecords(filePath: string): Promise<RecordReader> {
  const { size } = await stat(filePath);
  let bytesDone = 0;
  async function* records(): AsyncGenerator<SourceRecord> {
    const parser = new JSONParser({ paths: ['$.*'], keepStack: false });
    let pending: SourceRecord[] = [];
    let row = 0;
    parser.onValue = ({ value, key }) => {
      row += 1;
      const keyText = typeof key === 'string' ? key : undefined;
      if (typeof value === 'string') {
        pending.push({
          row,
          key: keyText,
          fields: keyText === undefined ? { caption: value } : { id: keyText, caption: value },
        });
      } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const fields = value as Record<string, unknown>;
        pending.push({
          row,
          key: keyText,
          fields: keyText !== undefined && !('id' in fields) ? { id: keyText, ...fields } : fields,
        });
      } else {
        pending.push({
          row,
          key: keyText,
          error: `element ${keyText ?? row - 1} is ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}; expected an object such as {"image": "a.png", "caption": "…"} or a caption string`,
        });
      }
    };
    let failure: Error | null = null;
    parser.onError = (error) => {
      failure ??= error;
    };
    const input = createReadStream(filePath);
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        parser.write(
          bytesDone === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? chunk.subarray(3) : chunk,
        );
        bytesDone += chunk.length;
        yield* pending;
        pending = [];
        if (failure) {
          yield {
            row: row + 1,
            error: `the JSON document is malformed after element ${row} (${(failure as Error).message}); nothing after that point could be read`,
          };
          return;
        }
      }
      if (!parser.isEnded) {
        yield {
          row: row + 1,
          error: 'the JSON document ends early (truncated file?); every element before the end was read',
        };
      }
    } finally {
      input.destroy();
    }
  }
  return { records: records(), position: () => ({ done: Math.min(bytesDone, size), total: size, unit: 'bytes' }) };
}

/** The first non-blank character of a file (`[`, `{`, …), to tell a JSON array from an object or from JSON Lines. */
export async function firstCharacter(filePath: string): Promise<string | null> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    const match = /\S/.exec(text);
    return match ? match[0] : null;
  } finally {
    await handle.close();
  }
}

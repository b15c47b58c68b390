import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  candidateFromFields,
  detectImportFormat,
  openRecordReader,
  RowRejection,
  type ImportFormat,
  type SourceRecord,
} from '@pathlens/library';

async function readAll(target: string, format: ImportFormat): Promise<SourceRecord[]> {
  const reader = await openRecordReader(target, format);
  const records: SourceRecord[] = [];
  for await (const record of reader.records) records.push(record);
  return records;
}

describe('import formats and record readers', () => {
  let directory: string;
  const file = async (name: string, text: string) => {
    const filePath = path.join(directory, name);
    await mkdir(path.dirname(filePath), { recursive: true });
    await writeFile(filePath, text);
    return filePath;
  };
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-readers-'));
  });
  afterAll(async () => rm(directory, { recursive: true, force: true }));

  it('detects the format from the extension, and sniffs the rest', async () => {
    expect(await detectImportFormat(await file('a.csv', 'image,caption\n'))).toBe('csv');
    expect(await detectImportFormat(await file('a.tsv', 'image\tcaption\n'))).toBe('tsv');
    expect(await detectImportFormat(await file('a.ndjson', '{"caption": "x"}\n'))).toBe('jsonl');
    expect(await detectImportFormat(await file('captions.json', '{\n  "0": {"caption": "x"}\n}'))).toBe('json');
    expect(await detectImportFormat(await file('rows.json', '{"caption": "x"}\n{"caption": "y"}\n'))).toBe('jsonl');
    expect(await detectImportFormat(await file('peir.txt', '0\tA caption.\n'))).toBe('id-caption');
    expect(await detectImportFormat(await file('export.dat', '\n  [{"caption": "x"}]'))).toBe('json');
    expect(await detectImportFormat(await file('export2.dat', 'image\tcaption\na.png\tx\n'))).toBe('tsv');
    expect(await detectImportFormat(await file('export3.dat', 'image,caption\n'))).toBe('csv');
    expect(await detectImportFormat(directory)).toBe('folder');
    await expect(openRecordReader(directory, 'csv')).rejects.toThrow(/is a folder: import it as --format folder/);
  });

  it('reads CSV rows with quoted multi-line fields, and reports wrong field counts and an unclosed quote with their lines', async () => {
    const csv = await file(
      'rows.csv',
      '\uFEFFimage_path,caption,organ\na.png,"Sheets of\nlymphocytes",lymph node\nb.png,plain,colon\n\nc.png,too,many,fields\nd.png,"bad "quote" kept",skin\ne.png,"never closed\nf.png,after,x\n',
    );
    const records = await readAll(csv, 'csv');
    expect(records.map(({ row, line, error }) => ({ row, line, error: error !== undefined }))).toEqual([
      { row: 1, line: 2, error: false },
      { row: 2, line: 4, error: false },
      { row: 3, line: 6, error: true },
      { row: 4, line: 7, error: false },
      { row: 5, line: 8, error: true },
    ]);
    expect(records[0]!.fields).toEqual({ image_path: 'a.png', caption: 'Sheets of\nlymphocytes', organ: 'lymph node' });
    expect(records[2]!.error).toMatch(/4 fields where the header has 3/);
    expect(records[4]!.error).toMatch(/quoted field opens on line 8 and is never closed/);
  });

  it('reads JSON Lines, reporting lines that are not JSON objects', async () => {
    const jsonl = await file(
      'rows.jsonl',
      '{"image": "a.png", "caption": "one"}\n\n{"image": "b.png", "caption": \n[1, 2]\n{"image": "c.png", "caption": "three"}\n',
    );
    const records = await readAll(jsonl, 'jsonl');
    expect(records.map((record) => [record.row, record.line, record.error === undefined])).toEqual([
      [1, 1, true],
      [2, 3, false],
      [3, 4, false],
      [4, 5, true],
    ]);
    expect(records[1]!.error).toMatch(/not valid JSON/);
    expect(records[2]!.error).toMatch(/must be an object/);
  });

  it('streams a JSON array (PathVQA) and a JSON object keyed by id (ARCH), and keeps what came before a syntax error', async () => {
    const array = await readAll(
      await file(
        'qa.json',
        '[{"Image_ID": "Fig.1", "Questions": "Q1?", "Answers": "yes"}, {"Image_ID": "Fig.2", "Questions": "Q2?", "Answers": "no"}]',
      ),
      'json',
    );
    expect(array.map((record) => record.fields)).toEqual([
      { Image_ID: 'Fig.1', Questions: 'Q1?', Answers: 'yes' },
      { Image_ID: 'Fig.2', Questions: 'Q2?', Answers: 'no' },
    ]);
    const arch = await readAll(
      await file('captions.json', '{"0": {"caption": "A", "uuid": "u-0"}, "7": "B", "8": 5}'),
      'json',
    );
    expect(arch.map(({ row, key, fields }) => ({ row, key, fields }))).toEqual([
      { row: 1, key: '0', fields: { id: '0', caption: 'A', uuid: 'u-0' } },
      { row: 2, key: '7', fields: { id: '7', caption: 'B' } },
      { row: 3, key: '8', fields: undefined },
    ]);
    const broken = await readAll(
      await file('broken.json', '[{"caption": "ok"}, {"caption": "also ok"}, {"caption": oops}]'),
      'json',
    );
    expect(broken.map((record) => record.fields ?? record.error)).toEqual([
      { caption: 'ok' },
      { caption: 'also ok' },
      expect.stringMatching(/malformed after element 2/),
    ]);
    const truncated = await readAll(await file('truncated.json', '[{"caption": "ok"}, {"caption": "cut'), 'json');
    expect(truncated.at(-1)!.error).toMatch(/ends early/);
  });

  it('reads id<TAB>caption lines and a folder of images with same-name captions', async () => {
    const lines = await readAll(
      await file('peir.txt', '0\tThis image shows a liver.\nno tab here\n\n2\tAnother.\n'),
      'id-caption',
    );
    expect(lines.map((record) => record.fields ?? record.error)).toEqual([
      { id: '0', caption: 'This image shows a liver.' },
      expect.stringMatching(/no tab/),
      { id: '2', caption: 'Another.' },
    ]);

    const folder = path.join(directory, 'folder');
    await file('folder/a.png', 'png bytes');
    await file('folder/a.txt', 'Caption A');
    await file('folder/b.jpg', 'jpeg bytes');
    await file('folder/notes.txt', 'not a caption');
    await file('folder/sub/c.png', 'png');
    await file('folder/sub/c.txt', 'Caption C');
    await file('folder/readme.md', 'ignored');
    const records = await readAll(folder, 'folder');
    expect(records.map(({ file: name, fields, error }) => [name, fields?.caption ?? error])).toEqual([
      ['a.png', 'Caption A'],
      ['b.jpg', expect.stringMatching(/no caption file b.txt/)],
      ['notes.txt', expect.stringMatching(/caption file without an image/)],
      [path.join('sub', 'c.png'), 'Caption C'],
    ]);
  });

  it('finds the caption, image, Q/A and metadata fields by their common names', () => {
    const quilt = candidateFromFields(
      {
        image_path: 'imgs/a.jpg',
        caption: ' Sheets   of cells ',
        magnification: 20,
        license: 'CC-BY',
        pathology: ['colon', 'liver'],
      },
      { textOnly: false },
    );
    expect(quilt).toEqual({
      caption: 'Sheets of cells',
      image: { kind: 'reference', value: 'imgs/a.jpg' },
      source: null,
      metadata: { image_path: 'imgs/a.jpg', magnification: '20', licence: 'CC-BY', pathology: 'colon; liver' },
    });
    const pathVqa = candidateFromFields(
      { Image_ID: 'Fig.1', Questions: 'How are they charged?', Answers: 'positively' },
      { textOnly: false },
    );
    expect(pathVqa).toEqual({
      caption: 'Q: How are they charged? A: positively',
      image: { kind: 'ids', values: ['Fig.1'] },
      source: null,
      metadata: { Image_ID: 'Fig.1', question: 'How are they charged?', answer: 'positively' },
    });
    expect(
      candidateFromFields({ Filename: 'x.png', Text: 'A caption', Source: 'OpenPath' }, { textOnly: true }),
    ).toMatchObject({ image: { kind: 'none' }, source: 'OpenPath' });
    expect(
      candidateFromFields({ image: 'data:image/png;base64,AAAA', caption: 'x' }, { textOnly: false }).metadata,
    ).toEqual({});
    const rejection = (fields: Record<string, unknown>) => {
      try {
        candidateFromFields(fields, { textOnly: false });
      } catch (error) {
        return error instanceof RowRejection ? `${error.code}: ${error.message}` : String(error);
      }
      return 'accepted';
    };
    expect(rejection({ image: 'a.png', caption: '   ' })).toMatch(/^no_caption: no caption/);
    expect(rejection({ image: '', caption: 'x' })).toMatch(/^missing_image: the image field "image" is empty/);
    expect(rejection({ image: 'a.png', caption: 'x'.repeat(10_001) })).toMatch(/^caption_too_long/);
    expect(rejection({ question: 'Why?', answer: '' })).toMatch(/^no_caption: question without an answer/);
  });
});

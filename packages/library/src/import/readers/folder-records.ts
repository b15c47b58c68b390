import { opendir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RecordReader, SourceRecord } from '../source-record.ts';

/** File extensions the folder shape treats as images. */
export const imageExtensions = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp'] as const;
const largestCaptionFileBytes = 1_048_576;

/**
 * A folder of images, each with a same-name `.txt` caption beside it (`a.png` + `a.txt`),
 * walked recursively in name order. Every image is a record (`image`: its absolute path,
 * `caption`: its text file's contents); an image without a caption file, and a caption file
 * without an image, are reported. Other files are ignored. One directory's names are listed
 * at a time.
 */
export async function readFolderRecords(folderPath: string): Promise<RecordReader> {
  let filesDone = 0;
  async function* records(): AsyncGenerator<SourceRecord> {
    let row = 0;
    for await (const directory of directories(folderPath)) {
      const { images, captions } = await listDirectory(directory);
      const stems = new Set(images.map((name) => stemOf(name)));
      const captionByStem = new Map(captions.map((name) => [stemOf(name), name]));
      for (const name of images) {
        row += 1;
        filesDone += 1;
        const file = path.relative(folderPath, path.join(directory, name));
        const captionName = captionByStem.get(stemOf(name));
        if (!captionName) {
          yield { row, file, error: `no caption file ${stemOf(name)}.txt beside the image` };
          continue;
        }
        const captionPath = path.join(directory, captionName);
        const { size } = await stat(captionPath);
        if (size > largestCaptionFileBytes) {
          yield {
            row,
            file,
            error: `caption file ${captionName} is ${Math.round(size / 1024)} kB; a caption file holds one caption (under 1 MB)`,
          };
          continue;
        }
        yield {
          row,
          file,
          fields: { image: path.join(directory, name), caption: await readFile(captionPath, 'utf8') },
        };
      }
      for (const name of captions) {
        if (stems.has(stemOf(name))) continue;
        row += 1;
        filesDone += 1;
        yield {
          row,
          file: path.relative(folderPath, path.join(directory, name)),
          error: `caption file without an image: no ${stemOf(name)}${imageExtensions.join('/')} beside it`,
        };
      }
    }
  }
  return { records: records(), position: () => ({ done: filesDone, total: null, unit: 'files' }) };
}

const stemOf = (name: string) => name.slice(0, name.length - path.extname(name).length);

async function listDirectory(directory: string): Promise<{ images: string[]; captions: string[] }> {
  const images: string[] = [];
  const captions: string[] = [];
  for await (const entry of await opendir(directory)) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const extension = path.extname(entry.name).toLowerCase();
    if ((imageExtensions as readonly string[]).includes(extension)) images.push(entry.name);
    else if (extension === '.txt') captions.push(entry.name);
  }
  return { images: images.sort(), captions: captions.sort() };
}

/** `root` and every directory under it, depth first, in name order; hidden directories are skipped. */
async function* directories(root: string): AsyncGenerator<string> {
  yield root;
  const children: string[] = [];
  for await (const entry of await opendir(root)) {
    if (entry.isDirectory() && !entry.name.startsWith('.')) children.push(entry.name);
  }
  for (const child of children.sort()) yield* directories(path.join(root, child));
}

/**
 * Library import speed and memory, through the same `importPairs` the server's import jobs
 * run (tiny demo CLIP: the numbers measure reading, hashing, PHI scrubbing, embedding calls
 * and storing; a real CLIP adds its own encoding time per row).
 *
 *   npx tsx benchmarks/library-import/import-benchmark.ts [--images 256] [--stream-rows 1000000] [--batch-size 32]
 *
 * 1. The real caption files in ../shared/data/text/ (when present), whole, as text-only entries.
 * 2. A generated CSV of `--images` stain-coloured PNGs with captions (image + caption rows).
 * 3. Streaming: a generated CSV of `--stream-rows` rows read and understood (no storing),
 *    with the peak resident memory: it must not grow with the number of rows.
 * The embedded store (PGlite) is used unless DATABASE_URL is set.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import sharp from 'sharp';
import { ClipImageEncoder, ClipTextEncoder } from '@pathlens/encoders';
import {
  candidateFromFields,
  createPhiScrubber,
  importPairs,
  openRecordReader,
  phiCategories,
} from '@pathlens/library';
import { ensureTinyModels } from '@pathlens/models';
import { openStore } from '@pathlens/store';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '256' },
    'stream-rows': { type: 'string', default: '1000000' },
    'batch-size': { type: 'string', default: '32' },
  },
});
const projectRoot = path.resolve(import.meta.dirname, '../..');
const sharedText = path.resolve(projectRoot, '../shared/data/text');
const workDirectory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-import-bench-'));
const modelsDir = path.join(projectRoot, '.tmp', 'test-models');
await ensureTinyModels({ modelsDir });
const modelOptions = { modelsDir, modelId: 'pathlens/tiny-clip' };
const [store, imageEncoder, textEncoder] = await Promise.all([
  openStore({ dataDir: path.join(workDirectory, 'data'), databaseUrl: process.env.DATABASE_URL }),
  ClipImageEncoder.load(modelOptions),
  ClipTextEncoder.load(modelOptions),
]);
console.log(
  `store: ${store.handle.driver}; encoder: tiny CLIP; batch size ${args['batch-size']}; ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}`,
);
const dependencies = { store, imageEncoder, textEncoder, phiScrubber: createPhiScrubber(phiCategories) };

async function timeImport(label: string, target: string, options: { textOnly?: boolean } = {}) {
  const started = performance.now();
  const result = await importPairs(dependencies, {
    target,
    allowedRoots: [workDirectory, sharedText],
    dataDir: path.join(workDirectory, 'data'),
    batchSize: Number(args['batch-size']),
    ...options,
  });
  const seconds = (performance.now() - started) / 1000;
  const { rowsRead, imported, duplicates, rejected } = result.counts;
  const phi =
    Object.entries(result.phiCounts)
      .filter(([, count]) => count > 0)
      .map(([kind, count]) => `${count} ${kind}`)
      .join(', ') || 'none';
  console.log(
    `${label.padEnd(44)} ${String(rowsRead).padStart(7)} rows in ${seconds.toFixed(1).padStart(6)} s = ${(rowsRead / seconds).toFixed(0).padStart(5)} rows/s (imported ${imported}, duplicates ${duplicates}, rejected ${rejected}; PHI replaced: ${phi})`,
  );
}

try {
  for (const name of ['pathvqa_peir_caption_crawled_cc3.txt', 'pathvqa_QA_pairs_vb.json']) {
    const file = path.join(sharedText, name);
    if (
      await readFile(file).then(
        () => true,
        () => false,
      )
    )
      await timeImport(`${name} (text-only)`, file);
    else console.log(`[skip] ${file} not found`);
  }

  const imageCount = Number(args.images);
  const imagesDirectory = path.join(workDirectory, 'images');
  await mkdir(imagesDirectory, { recursive: true });
  const rows = ['image_path,caption,stain'];
  for (let index = 0; index < imageCount; index++) {
    const colour = index % 2 === 0 ? [89, 64, 153] : [230, 140, 191];
    const pixels = Buffer.alloc(224 * 224 * 3);
    for (let offset = 0; offset < pixels.length; offset++)
      pixels[offset] = Math.max(0, Math.min(255, colour[offset % 3]! + ((offset * 7919 + index * 104729) % 23) - 11));
    pixels.writeUInt32LE(index, 0); // every picture distinct, so none is skipped as a duplicate
    await writeFile(
      path.join(imagesDirectory, `${index}.png`),
      await sharp(pixels, { raw: { width: 224, height: 224, channels: 3 } })
        .png()
        .toBuffer(),
    );
    rows.push(
      `images/${index}.png,Generated ${index % 2 === 0 ? 'purple nuclei' : 'pink stroma'} patch number ${index},H&E`,
    );
  }
  await writeFile(path.join(workDirectory, 'generated.csv'), rows.join('\n'));
  await timeImport(`generated CSV, ${imageCount} 224-px PNGs`, path.join(workDirectory, 'generated.csv'));

  const streamRows = Number(args['stream-rows']);
  const bigCsv = path.join(workDirectory, 'big.csv');
  const output = createWriteStream(bigCsv);
  output.write('image_path,caption,organ,stain,magnification\n');
  for (let index = 0; index < streamRows; index++) {
    if (
      !output.write(
        `images/${index}.png,"Row ${index}: sheets of atypical cells, 3.5 cm, Gleason 3+4=7",colon,H&E,20x\n`,
      )
    )
      await new Promise<void>((resolve) => output.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => output.end(() => resolve()));
  // Live heap after a full GC, sampled along the way: flat when nothing is held per row (RSS alone also counts
  // collectable garbage).
  v8.setFlagsFromString('--expose-gc');
  const collectGarbage = vm.runInNewContext('gc') as () => void;
  const heapAfterGcMb = () => {
    collectGarbage();
    return process.memoryUsage().heapUsed / 1_048_576;
  };
  const samples: string[] = [];
  const reader = await openRecordReader(bigCsv, 'csv');
  const started = performance.now();
  let count = 0;
  let peakRss = process.memoryUsage().rss;
  for await (const record of reader.records) {
    if (record.fields) dependencies.phiScrubber.scrub(candidateFromFields(record.fields, { textOnly: false }).caption);
    if (++count % Math.max(1, Math.floor(streamRows / 4)) === 0) {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      samples.push(`${count.toLocaleString('en')}: ${heapAfterGcMb().toFixed(0)} MB`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${`streaming ${streamRows.toLocaleString('en')}-row CSV (read + map + scrub)`.padEnd(44)} ${String(count).padStart(7)} rows in ${seconds.toFixed(1).padStart(6)} s = ${(count / seconds).toFixed(0).padStart(5)} rows/s (incl. 4 GCs)`,
  );
  console.log(
    `  live heap after GC at rows ${samples.join(', ')}; peak RSS ${(peakRss / 1_048_576).toFixed(0)} MB (models and database open)`,
  );
} finally {
  await Promise.all([imageEncoder.dispose(), textEncoder.dispose()]);
  await store.close();
  await rm(workDirectory, { recursive: true, force: true });
}

/**
 * int8 vs fp32 for the full-size ViT-B/32 image tower (`vit-b32-model.ts`: real architecture,
 * RANDOM weights), quantized by the project (`quantizeModelFolder`, ONNX Runtime's dynamic int8
 * scheme), both loaded through `ClipImageEncoder` (dtype fp32 vs q8: the code path the server uses).
 *
 * npx tsx benchmarks/ingestion/int8-benchmark.ts [--rounds 3] [--batch-size 32] [--per-column]
 *   [--models-dir <MODELS_DIR> --model-id <owner/name>]   (a real converted checkpoint instead of the random one)
 *
 * Speed: images per second inside `embedImages`, same batch size and intra-op thread count (the
 * thread budget's), rounds interleaved (fp32, q8, then q8, fp32, …) with the load average printed
 * each round; the ratio per round is the number to read on a shared machine.
 * Agreement: cosine between each patch's fp32 and q8 embeddings, on REAL tissue: the 32 CRC-VAL-HE-7K
 * patches and 224-px level-0 tiles (≈ 0.5 µm/px) of CMU-1-Small-Region.svs from ../shared/data
 * (skipped with a message when absent). Random weights are not trained weights: agreement on a
 * real checkpoint can differ (trained weights have outliers that per-tensor scales round harder).
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import onnxProto from 'onnx-proto';
import { InferenceSession } from 'onnxruntime-node';
import sharp from 'sharp';
import { threadBudget } from '@pathlens/core';
import { ClipImageEncoder, decodeImage, type RgbPixels } from '@pathlens/encoders';
import { modelFolderPath, quantizeModelFolder } from '@pathlens/models';
import { ensureVitB32Model, vitB32ModelId } from './vit-b32-model.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '32' },
    'per-column': { type: 'boolean', default: false },
    'models-dir': { type: 'string' },
    'model-id': { type: 'string' },
    'svs-tiles': { type: 'string', default: '64' },
  },
});
const rounds = Number(args.rounds);
const batchSize = Number(args['batch-size']);
const sharedDataDir = path.resolve(import.meta.dirname, '../../../shared/data');
const loadAverage = () => os.loadavg()[0]!.toFixed(2);

const modelsDir = args['models-dir'] ?? (await ensureVitB32Model());
const modelId = args['model-id'] ?? vitB32ModelId;
console.log(
  `model ${modelId} in ${modelsDir}${args['model-id'] ? '' : ' (random weights)'}; ${os.cpus().length} cores`,
);
await quantizeModelFolder(modelFolderPath(modelsDir, modelId), {
  perColumn: args['per-column'],
  log: (line) => console.log(`quantized (${args['per-column'] ? 'per column' : 'per tensor'}): ${line}`),
});

console.log(`ONNX Runtime's optimised q8 graph: ${await fusedKernels(modelFolderPath(modelsDir, modelId))}`);

const onnxThreads = threadBudget().onnxIntraOpThreads;
const loadOptions = { modelsDir, modelId, maxBatchSize: batchSize, onnxThreads };
const encoders = {
  fp32: await ClipImageEncoder.load(loadOptions),
  q8: await ClipImageEncoder.load({ ...loadOptions, dtype: 'q8' }),
};

const patches = await realPatches();
if (patches.length === 0) throw new Error(`No real patches under ${sharedDataDir}: the agreement needs them.`);

// Agreement first (it also warms both sessions up).
const embeddings: { fp32: Float32Array[]; q8: Float32Array[] } = { fp32: [], q8: [] };
for (let start = 0; start < patches.length; start += batchSize) {
  const batch = patches.slice(start, start + batchSize).map((patch) => patch.pixels);
  embeddings.fp32.push(...(await encoders.fp32.embedImages(batch)));
  embeddings.q8.push(...(await encoders.q8.embedImages(batch)));
}
const agreements = embeddings.fp32.map((embedding, index) => dot(embedding, embeddings.q8[index]!));
const sources = [...new Set(patches.map((patch) => patch.source))];
for (const source of [...sources, 'all']) {
  const values = agreements.filter((_, index) => source === 'all' || patches[index]!.source === source);
  console.log(
    `agreement fp32 vs q8, ${source} (${values.length} patches): mean cosine ${mean(values).toFixed(4)}, min ${Math.min(...values).toFixed(4)}`,
  );
}

// Context for the agreement: how far apart different patches are, and whether each patch keeps its nearest neighbour.
const nearest = (vectors: Float32Array[], index: number) => {
  let best = -1;
  for (let other = 0; other < vectors.length; other += 1)
    if (other !== index && (best < 0 || dot(vectors[index]!, vectors[other]!) > dot(vectors[index]!, vectors[best]!)))
      best = other;
  return best;
};
const pairwise = embeddings.fp32.flatMap((left, index) =>
  embeddings.fp32.slice(index + 1).map((right) => dot(left, right)),
);
const keptNeighbours = embeddings.fp32.filter(
  (_, index) => nearest(embeddings.fp32, index) === nearest(embeddings.q8, index),
).length;
console.log(
  `context: fp32 cosine between different patches mean ${mean(pairwise).toFixed(4)}, min ${Math.min(...pairwise).toFixed(4)}; nearest other patch the same under q8 for ${keptNeighbours}/${patches.length}`,
);

// Speed: interleaved rounds, one batch of `batchSize` real patches per model per round.
const speedBatch = Array.from({ length: batchSize }, (_, index) => patches[index % patches.length]!.pixels);
const ratios: number[] = [];
for (let round = 1; round <= rounds; round += 1) {
  const order = round % 2 === 1 ? (['fp32', 'q8'] as const) : (['q8', 'fp32'] as const);
  const rates: Record<string, number> = {};
  for (const dtype of order) {
    const startedMs = performance.now();
    await encoders[dtype].embedImages(speedBatch);
    rates[dtype] = batchSize / ((performance.now() - startedMs) / 1000);
    console.log(`round ${round}: ${dtype} ${rates[dtype]!.toFixed(2)} img/s (load average ${loadAverage()})`);
  }
  ratios.push(rates.q8! / rates.fp32!);
}
console.log(
  `q8 / fp32 speed per round: ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)}; goal ≥ 1.8); batch ${batchSize}, ${onnxThreads} intra-op threads, load average ${os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
await Promise.all([encoders.fp32.dispose(), encoders.q8.dispose()]);

/** Which int8 kernels ONNX Runtime made of the quantized graph (its optimiser fuses the MatMulInteger pattern). */
async function fusedKernels(folder: string): Promise<string> {
  const optimisedPath = path.join(os.tmpdir(), `pathlens-int8-optimised-${process.pid}.onnx`);
  const session = await InferenceSession.create(path.join(folder, 'onnx', 'vision_model_quantized.onnx'), {
    intraOpNumThreads: 1,
    optimizedModelFilePath: optimisedPath,
  });
  await session.release();
  const graph = onnxProto.onnx.ModelProto.decode(await readFile(optimisedPath)).graph!;
  await rm(optimisedPath, { force: true });
  const counts = new Map<string, number>();
  for (const node of graph.node ?? [])
    if (/Integer|Quantize/.test(node.opType ?? '')) counts.set(node.opType!, (counts.get(node.opType!) ?? 0) + 1);
  return [...counts].map(([opType, count]) => `${count} ${opType}`).join(', ');
}

/** The CRC patches, then 224-px tissue tiles of the real SVS at level 0. */
async function realPatches(): Promise<{ source: string; pixels: RgbPixels }[]> {
  const result: { source: string; pixels: RgbPixels }[] = [];
  const crcFolder = path.join(sharedDataDir, 'patches', 'crc-val-he-7k-32');
  const crcNames = (await readdir(crcFolder).catch(() => [] as string[])).filter((name) => name.endsWith('.png'));
  if (crcNames.length === 0) console.log(`[skip] no CRC patches in ${crcFolder}`);
  for (const name of crcNames.sort())
    result.push({ source: 'CRC-VAL-HE-7K', pixels: await decodeImage(await readFile(path.join(crcFolder, name))) });
  const svsPath = path.join(sharedDataDir, 'wsi', 'CMU-1-Small-Region.svs');
  const svs = await readFile(svsPath).catch(() => null);
  if (!svs) {
    console.log(`[skip] no ${svsPath}`);
    return result;
  }
  const { width = 0, height = 0 } = await sharp(svs, { limitInputPixels: false }).metadata();
  let tiles = 0;
  for (let top = 0; top + 224 <= height && tiles < Number(args['svs-tiles']); top += 224)
    for (let left = 0; left + 224 <= width && tiles < Number(args['svs-tiles']); left += 224) {
      const { data, info } = await sharp(svs, { limitInputPixels: false })
        .extract({ left, top, width: 224, height: 224 })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (mean([...data]) > 215) continue; // mostly glass: not tissue
      result.push({ source: 'CMU-1 SVS', pixels: { data, widthPx: info.width, heightPx: info.height } });
      tiles += 1;
    }
  return result;
}

function dot(left: Float32Array, right: Float32Array): number {
  return left.reduce((sum, value, index) => sum + value * right[index]!, 0); // both L2-normalised: the cosine
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

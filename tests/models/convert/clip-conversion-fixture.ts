import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { Tokenizer } from '@huggingface/tokenizers';
import { ClipImageEncoder, ClipTextEncoder } from '@pathlens/encoders';
import { convertClipCheckpoint } from '../../../packages/models/src/convert/convert-clip-checkpoint.ts';
import { sharedDataDir } from '../../helpers/shared-data.ts';
import { cosine } from '../../helpers/vectors.ts';

const referenceScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'clip_reference.py');
export const referencePython = '/usr/bin/python3';

/** Why the equivalence tests cannot run here, or undefined when they can (torch, Pillow, shared patches and tokenizer).
 *
 */
export function conversionTestsUnavailable(): string | undefined {
  const probe = spawnSync(referencePython, ['-c', 'import torch, numpy, PIL'], { encoding: 'utf8' });
  if (probe.status !== 0)
    return `${referencePython} cannot import torch/numpy/PIL (install Debian's python3-torch and python3-pil)`;
  return undefined;
}

export const sharedClipTokenizerFolder = path.join(sharedDataDir, 'tokenizers', 'clip-vit-base-patch32');
export const patchFiles = [
  'ADI-TCGA-EENSRDNW.png',
  'LYM-TCGA-FTVCYFDV.png',
  'STR-TCGA-HGDYLEWM.png',
  'TUM-TCGA-DRHQMTQA.png',
].map((name) => path.join(sharedDataDir, 'patches', 'crc-val-he-7k-32', name));
export const captions = [
  'adipose tissue',
  'dense lymphocytic infiltrate in colorectal mucosa',
  'tumour epithelium with desmoplastic stroma and necrosis, hematoxylin and eosin',
  'a',
];

export interface ConversionRun {
  /** Cosine of each PathLens image / text embedding with the reference one. */
  imageCosines: number[];
  textCosines: number[];
  /** Largest cosine between PathLens embeddings of two different inputs: shows the embeddings are not degenerate. */
  largestCrossCosine: number;
  format: string;
  workDir: string;
}

export interface CheckpointOptions {
  format: 'huggingface' | 'open_clip';
  size?: 'tiny' | 'vit-b32';
  exactGelu?: boolean;
  bin?: boolean;
}

/** Writes a random-weight checkpoint into `checkpointFolder` and the reference embeddings of `patchFiles` and
 * `captions`; returns the reference file.
 */
export async function writeCheckpoint(
  options: CheckpointOptions,
  workDir: string,
  checkpointFolder: string,
): Promise<string> {
  const tokenizer = new Tokenizer(
    JSON.parse(await fs.readFile(path.join(sharedClipTokenizerFolder, 'tokenizer.json'), 'utf8')),
    JSON.parse(await fs.readFile(path.join(sharedClipTokenizerFolder, 'tokenizer_config.json'), 'utf8')),
  );
  const tokenIds = captions.map((caption) => [...tokenizer.encode(caption).ids]);
  await fs.writeFile(path.join(workDir, 'token-ids.json'), JSON.stringify(tokenIds));
  const referenceFile = path.join(workDir, 'reference.json');
  await promisify(execFile)(
    referencePython,
    [
      referenceScript,
      ...['--format', options.format, '--size', options.size ?? 'tiny', '--out', checkpointFolder],
      ...['--images', ...patchFiles, '--token-ids', path.join(workDir, 'token-ids.json'), '--reference', referenceFile],
      ...(options.exactGelu ? ['--gelu'] : []),
      ...(options.bin ? ['--bin'] : []),
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return referenceFile;
}

/**
 * Writes a random-weight checkpoint with the Python reference, converts it with PathLens,
 * embeds the real patches and captions through the same encoders the server uses, and
 * compares with the reference embeddings.
 */
export async function runConversion(options: CheckpointOptions): Promise<ConversionRun> {
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pathlens-convert-'));
  const checkpointFolder = path.join(workDir, 'checkpoint');
  const modelsDir = path.join(workDir, 'models');
  const referenceFile = await writeCheckpoint(options, workDir, checkpointFolder);
  const reference = JSON.parse(await fs.readFile(referenceFile, 'utf8')) as {
    image_embeds: number[][];
    text_embeds: number[][];
  };

  const modelId = `converted/${options.format}-${options.size ?? 'tiny'}`;
  const result = await convertClipCheckpoint({
    checkpointFolder,
    outputFolder: path.join(modelsDir, modelId),
    tokenizerFolder: sharedClipTokenizerFolder,
    modelId,
  });
  const imageEncoder = await ClipImageEncoder.load({ modelsDir, modelId });
  const textEncoder = await ClipTextEncoder.load({ modelsDir, modelId });
  try {
    const images = await Promise.all(
      patchFiles.map(async (file) => {
        const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        return { data, widthPx: info.width, heightPx: info.height };
      }),
    );
    const imageEmbeddings = await imageEncoder.embedImages(images);
    const textEmbeddings = await textEncoder.embedTexts(captions);
    return {
      imageCosines: imageEmbeddings.map((embedding, index) => cosine(embedding, reference.image_embeds[index]!)),
      textCosines: textEmbeddings.map((embedding, index) => cosine(embedding, reference.text_embeds[index]!)),
      largestCrossCosine: Math.max(
        ...[imageEmbeddings, textEmbeddings].flatMap((rows) =>
          rows.flatMap((row, index) => rows.slice(index + 1).map((other) => cosine(row, other))),
        ),
      ),
      format: result.format,
      workDir,
    };
  } finally {
    await imageEncoder.dispose();
    await textEncoder.dispose();
  }
}

import fs from 'node:fs/promises';
import path from 'node:path';
import { PathLensError } from '@pathlens/core';
import { jsonFileText as jsonText } from '../tiny/generated-model-files.ts';
import { writeFolderAtomically } from '../tiny/write-folder-atomically.ts';
import type { ClipArchitecture, LoadedClipCheckpoint } from './clip-architecture.ts';
import { buildClipOnnxFiles } from './clip-tower-graphs.ts';
import { readHuggingFaceClip, type HuggingFaceClipConfig } from './huggingface-clip-checkpoint.ts';
import { readOpenClip, type OpenClipConfig } from './open-clip-checkpoint.ts';
import { readPytorchCheckpoint } from './read-pytorch-checkpoint.ts';
import { readSafetensors } from './read-safetensors.ts';

export interface ConvertClipCheckpointOptions {
  /** A Hugging Face CLIP folder (`config.json` + `model.safetensors`) or an open_clip one (`open_clip_config.json` +
   * weights).
   */
  checkpointFolder: string;
  /** Where the transformers.js folder is written (replaced whole, atomically). */
  outputFolder: string;
  /** A folder with `tokenizer.json` + `tokenizer_config.json`, used when the checkpoint folder has none (open_clip
   * checkpoints).
   */
  tokenizerFolder?: string;
  /** Recorded in config.json as `_name_or_path`. */
  modelId: string;
  log?: (line: string) => void;
}

export interface ConvertClipCheckpointResult {
  format: LoadedClipCheckpoint['format'];
  architecture: ClipArchitecture;
  /** Files written, relative to the output folder. */
  files: string[];
}

/** The files a converted folder holds: what `ClipImageEncoder` / `ClipTextEncoder` load. */
export const convertedClipFileNames = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/vision_model.onnx',
  'onnx/text_model.onnx',
] as const;

const exists = (file: string) =>
  fs.stat(file).then(
    (stats) => stats.isFile(),
    () => false,
  );

/**
 * Converts a PyTorch CLIP checkpoint into the transformers.js ONNX layout PathLens loads: the
 * ONNX graphs are built in TypeScript from the checkpoint's config and filled with its weights.
 *
 * @example
 * await convertClipCheckpoint({ checkpointFolder: 'downloads/plip', outputFolder: 'models/vinid/plip', modelId:
 * 'vinid/plip' });
 */
export async function convertClipCheckpoint(
  options: ConvertClipCheckpointOptions,
): Promise<ConvertClipCheckpointResult> {
  const log = options.log ?? (() => {});
  const folder = options.checkpointFolder;
  const tokenizer = await readTokenizerFiles(folder, options.tokenizerFolder);
  const loaded = await readCheckpoint(folder, tokenizer.endTokenId, log);
  const { architecture } = loaded;
  log(
    `${loaded.format} CLIP: vision ${architecture.vision.layers}×${architecture.vision.width} (patch ${architecture.vision.patchSizePx}, ${architecture.vision.imageSizePx} px), ` +
      `text ${architecture.text.layers}×${architecture.text.width}, embeddings ${architecture.projectionDim}, ${architecture.vision.activation}`,
  );
  const onnxFiles = buildClipOnnxFiles(architecture, loaded.weights);
  const files = new Map<string, Uint8Array | string>([
    ['config.json', jsonText(clipConfigJson(architecture, options.modelId))],
    ['preprocessor_config.json', jsonText(preprocessorConfigJson(architecture))],
    ['tokenizer.json', tokenizer.tokenizerJsonText],
    ['tokenizer_config.json', tokenizer.tokenizerConfigText],
    ...onnxFiles,
  ]);
  await writeFolderAtomically(options.outputFolder, files);
  log(
    `wrote ${options.outputFolder} (${([...onnxFiles.values()].reduce((sum, bytes) => sum + bytes.byteLength, 0) / 1e6) | 0} MB of ONNX)`,
  );
  return { format: loaded.format, architecture, files: [...files.keys()] };
}

async function readCheckpoint(
  folder: string,
  endTokenId: number,
  log: (line: string) => void,
): Promise<LoadedClipCheckpoint> {
  const file = (name: string) => path.join(folder, name);
  if (await exists(file('open_clip_config.json'))) {
    const config = await readJson<OpenClipConfig>(file('open_clip_config.json'));
    const weightsFile = await firstPresent(folder, ['open_clip_model.safetensors', 'open_clip_pytorch_model.bin']);
    log(`reading ${weightsFile}`);
    return readOpenClip(config, await readWeights(file(weightsFile)), endTokenId);
  }
  if (await exists(file('config.json'))) {
    const config = await readJson<HuggingFaceClipConfig>(file('config.json'));
    const weightsFile = await firstPresent(folder, ['model.safetensors', 'pytorch_model.bin']);
    const preprocessor = (await exists(file('preprocessor_config.json')))
      ? await readJson<{ image_mean?: [number, number, number]; image_std?: [number, number, number] }>(
          file('preprocessor_config.json'),
        )
      : {};
    log(`reading ${weightsFile}`);
    return readHuggingFaceClip(
      config,
      await readWeights(file(weightsFile)),
      { imageMean: preprocessor.image_mean, imageStd: preprocessor.image_std },
      endTokenId,
    );
  }
  throw new PathLensError(
    'invalid_request',
    `${folder} holds no CLIP checkpoint: expected config.json + model.safetensors (Hugging Face, e.g. vinid/plip) or open_clip_config.json + open_clip_model.safetensors / open_clip_pytorch_model.bin (open_clip, e.g. wisdomik/QuiltNet-B-32).`,
    { folder },
  );
}

async function readWeights(filePath: string) {
  return filePath.endsWith('.safetensors') ? readSafetensors(filePath) : readPytorchCheckpoint(filePath);
}

async function firstPresent(folder: string, names: string[]): Promise<string> {
  for (const name of names) if (await exists(path.join(folder, name))) return name;
  throw new PathLensError(
    'invalid_request',
    `${folder} has none of ${names.join(', ')}: download the checkpoint's weights into it.`,
    { folder, expected: names },
  );
}

interface TokenizerFiles {
  tokenizerJsonText: string;
  tokenizerConfigText: string;
  endTokenId: number;
}

/** The CLIP BPE tokenizer files: from the checkpoint folder, else from `tokenizerFolder`. */
async function readTokenizerFiles(
  checkpointFolder: string,
  tokenizerFolder: string | undefined,
): Promise<TokenizerFiles> {
  for (const folder of [checkpointFolder, tokenizerFolder]) {
    if (!folder || !(await exists(path.join(folder, 'tokenizer.json')))) continue;
    const tokenizerJsonText = await fs.readFile(path.join(folder, 'tokenizer.json'), 'utf8');
    const configPath = path.join(folder, 'tokenizer_config.json');
    const tokenizerConfigText = (await exists(configPath))
      ? await fs.readFile(configPath, 'utf8')
      : jsonText(defaultTokenizerConfig);
    return {
      tokenizerJsonText,
      tokenizerConfigText,
      endTokenId: endTokenIdOf(JSON.parse(tokenizerJsonText), path.join(folder, 'tokenizer.json')),
    };
  }
  throw new PathLensError(
    'invalid_request',
    `${checkpointFolder} has no tokenizer.json. open_clip checkpoints use the OpenAI CLIP tokenizer: pass --tokenizer with a folder that has it ` +
      '(e.g. MODELS_DIR/Xenova/clip-vit-base-patch32 after `pathlens models pull Xenova/clip-vit-base-patch32`).',
    { checkpointFolder, tokenizerFolder },
  );
}

const endOfText = '<|endoftext|>';

function endTokenIdOf(
  tokenizerJson: { added_tokens?: { id: number; content: string }[]; model?: { vocab?: Record<string, number> } },
  file: string,
): number {
  const id =
    tokenizerJson.added_tokens?.find((token) => token.content === endOfText)?.id ??
    tokenizerJson.model?.vocab?.[endOfText];
  if (id === undefined)
    throw new PathLensError('unsupported_format', `${file} has no ${endOfText} token: it is not a CLIP tokenizer.`, {
      file,
    });
  return id;
}

const defaultTokenizerConfig = {
  tokenizer_class: 'CLIPTokenizer',
  bos_token: '<|startoftext|>',
  eos_token: endOfText,
  unk_token: endOfText,
  pad_token: endOfText,
  do_lower_case: true,
  model_max_length: 77,
};

/** A transformers `CLIPConfig` for the converted model, as transformers.js reads it. */
function clipConfigJson(architecture: ClipArchitecture, modelId: string) {
  const { vision, text, projectionDim } = architecture;
  const tower = (shape: ClipArchitecture['vision'] | ClipArchitecture['text']) => ({
    hidden_size: shape.width,
    intermediate_size: shape.mlpWidth,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    hidden_act: shape.activation,
    layer_norm_eps: shape.layerNormEpsilon,
    projection_dim: projectionDim,
  });
  return {
    _name_or_path: modelId,
    architectures: ['CLIPModel'],
    model_type: 'clip',
    projection_dim: projectionDim,
    logit_scale_init_value: Math.log(architecture.logitScale),
    text_config: {
      model_type: 'clip_text_model',
      ...tower(text),
      vocab_size: text.vocabularySize,
      max_position_embeddings: text.contextLength,
      eos_token_id: text.endTokenId,
      pad_token_id: text.endTokenId,
    },
    vision_config: {
      model_type: 'clip_vision_model',
      ...tower(vision),
      image_size: vision.imageSizePx,
      patch_size: vision.patchSizePx,
      num_channels: 3,
    },
    torch_dtype: 'float32',
    converted_by: 'pathlens models convert',
  };
}

function preprocessorConfigJson(architecture: ClipArchitecture) {
  const sizePx = architecture.vision.imageSizePx;
  return {
    image_processor_type: 'CLIPImageProcessor',
    feature_extractor_type: 'CLIPFeatureExtractor',
    do_resize: true,
    size: { shortest_edge: sizePx },
    resample: 3,
    do_center_crop: true,
    crop_size: { height: sizePx, width: sizePx },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: architecture.imageMean,
    image_std: architecture.imageStd,
    do_convert_rgb: true,
  };
}

async function readJson<T>(filePath: string): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(filePath, 'utf8')) as T;
  } catch (error) {
    throw new PathLensError(
      'corrupt_file',
      `${filePath} is not valid JSON: ${(error as Error).message}`,
      { filePath },
      { cause: error },
    );
  }
}

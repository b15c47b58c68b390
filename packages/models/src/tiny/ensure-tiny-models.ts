import path from 'node:path';
import { tinyChatModelId, tinyImageTextEncoderId, tinyVisionChatModelId } from '../model-ids.ts';
import { modelFolderPath } from '../resolve-model-folder.ts';
import { quantizeDynamic } from '../quantize/quantize-dynamic.ts';
import { quantizedFileName } from '../quantize/quantize-model-folder.ts';
import { chatTokenizerFiles } from './chat/chat-tokenizer-files.ts';
import { buildTinyChatFiles, tinyChatFileNames } from './chat/write-tiny-chat.ts';
import { clipTokenizerFiles } from './clip/clip-tokenizer-files.ts';
import { buildTinyClipFiles, tinyClipFileNames } from './clip/write-tiny-clip.ts';
import { jsonFileText, type GeneratedModelFiles } from './generated-model-files.ts';
import { createGeneratorMarker, generatorMarkerFileName, isGeneratedFolderCurrent } from './generator-marker.ts';
import { defaultSharedTokenizersDir, type TokenizerSource } from './tokenizer-source.ts';
import { visionAnswerCorpus } from './vision-chat/vision-answer-corpus.ts';
import {
  buildTinyVisionChatFiles,
  tinyVisionAddedTokens,
  tinyVisionChatFileNames,
} from './vision-chat/write-tiny-vision-chat.ts';
import { writeFolderAtomically } from './write-folder-atomically.ts';

export interface EnsureTinyModelsOptions {
  /** Root of the model folders; the tiny models go to `<modelsDir>/pathlens/tiny-clip` and `.../tiny-chat`. */
  modelsDir: string;
  /**
   * Folder with real tokenizers to copy (`clip-vit-base-patch32/`, `phi-3-mini/`). Defaults to
   * `<projectRoot>/../shared/data/tokenizers` when it exists; a folder without them (or none)
   * gives small generated tokenizers instead.
   */
  sharedTokenizersDir?: string;
  /** Receives one line per model: generated (with time taken) or already up to date. */
  log?: (line: string) => void;
}

export interface TinyModelFolders {
  clipFolder: string;
  chatFolder: string;
  /** `pathlens/tiny-vlm`: the tiny vision-language model with its slide encoder. */
  visionChatFolder: string;
}

/**
 * Makes sure the demo models exist and match this generator version and tokenizer
 * source, (re)generating them otherwise. Deterministic: the same inputs give the same bytes.
 * Each folder is written to a temporary sibling and renamed into place, so an interrupted
 * run never leaves a half model.
 *
 * @example
 * const { clipFolder, chatFolder } = await ensureTinyModels({ modelsDir: '/srv/pathlens/models', log: console.log });
 */
export async function ensureTinyModels(options: EnsureTinyModelsOptions): Promise<TinyModelFolders> {
  const sharedTokenizersDir = options.sharedTokenizersDir ?? defaultSharedTokenizersDir();
  const log = options.log ?? (() => {});

  const clipTokenizer = await clipTokenizerFiles(sharedTokenizersDir);
  const clipFolder = await ensureGeneratedFolder({
    modelsDir: options.modelsDir,
    modelId: tinyImageTextEncoderId,
    fileNames: tinyClipFileNames,
    tokenizerSource: clipTokenizer.source,
    build: () => buildTinyClipFiles(clipTokenizer),
    log,
  });

  const chatTokenizer = await chatTokenizerFiles(sharedTokenizersDir);
  const chatFolder = await ensureGeneratedFolder({
    modelsDir: options.modelsDir,
    modelId: tinyChatModelId,
    fileNames: tinyChatFileNames,
    tokenizerSource: chatTokenizer.source,
    build: () => buildTinyChatFiles(chatTokenizer),
    log,
  });

  const visionChatTokenizer = await chatTokenizerFiles(sharedTokenizersDir, {
    corpus: visionAnswerCorpus,
    addedSpecialTokens: tinyVisionAddedTokens,
  });
  const visionChatFolder = await ensureGeneratedFolder({
    modelsDir: options.modelsDir,
    modelId: tinyVisionChatModelId,
    fileNames: tinyVisionChatFileNames,
    tokenizerSource: visionChatTokenizer.source,
    build: () => buildTinyVisionChatFiles(visionChatTokenizer),
    log,
  });

  return { clipFolder, chatFolder, visionChatFolder };
}

/**
 * The chat models' `lm_head` is a designed bigram table (−10,000 for impossible transitions, 1e-5
 * tie-breaks) that one int8 scale would flatten into ties; it stays fp32, everything else is int8.
 */
const tinyQuantizeOptions = { excludeWeights: ['lm_head.weight'] };

async function ensureGeneratedFolder(request: {
  modelsDir: string;
  modelId: string;
  fileNames: readonly string[];
  tokenizerSource: TokenizerSource;
  build: () => GeneratedModelFiles;
  log: (line: string) => void;
}): Promise<string> {
  const folder = modelFolderPath(request.modelsDir, request.modelId);
  // Every ONNX file also as its int8 twin (dtype q8), made by the same quantizer `pathlens models quantize` runs.
  const quantizedNames = new Map(
    request.fileNames.flatMap((fileName) => {
      const quantizedName = quantizedFileName(fileName);
      return quantizedName === null ? [] : [[fileName, quantizedName] as const];
    }),
  );
  const fileNames = [...request.fileNames, ...quantizedNames.values()];
  const marker = createGeneratorMarker(request.modelId, request.tokenizerSource, fileNames);
  if (await isGeneratedFolderCurrent(folder, marker)) {
    request.log(`${request.modelId}: up to date in ${folder}`);
    return folder;
  }
  const startedAt = performance.now();
  const { files } = request.build();
  const missing = request.fileNames.filter((fileName) => !files.has(fileName));
  if (missing.length > 0) throw new Error(`${request.modelId}: generator did not produce ${missing.join(', ')}`);
  for (const [fileName, quantizedName] of quantizedNames)
    files.set(quantizedName, quantizeDynamic(files.get(fileName) as Uint8Array, tinyQuantizeOptions).modelBytes);
  files.set(generatorMarkerFileName, jsonFileText(marker));
  await writeFolderAtomically(folder, files);
  const tokenizer = request.tokenizerSource.kind === 'shared' ? `real ${request.tokenizerSource.name}` : 'generated';
  request.log(
    `${request.modelId}: generated in ${Math.round(performance.now() - startedAt)} ms (tokenizer: ${tokenizer}) at ${path.resolve(folder)}`,
  );
  return folder;
}

export {
  defaultChatModelId,
  defaultImageTextEncoderId,
  tinyChatModelId,
  tinyImageTextEncoderId,
  tinyVisionChatModelId,
} from './model-ids.ts';
export { slideAnswers, visionAnswers } from './tiny/vision-chat/vision-answer-corpus.ts';
export {
  chatEntrySchema,
  findModelEntry,
  imageTextEncoderEntrySchema,
  loadModelManifest,
  modelIdSchema,
  modelManifestEntrySchema,
  modelManifestSchema,
  parseModelManifest,
  type ChatModelEntry,
  type ImageTextEncoderEntry,
  type ModelManifest,
  type ModelManifestEntry,
} from './manifest.ts';
export { defaultManifestPath, projectRoot } from './project-root.ts';
export { modelFolderPath, resolveModelFolder, type ModelFolderStatus } from './resolve-model-folder.ts';
export { pullModel, type PullModelOptions, type PullModelResult, type PullProgress } from './pull/pull-model.ts';
export { ensureTinyModels, type EnsureTinyModelsOptions, type TinyModelFolders } from './tiny/ensure-tiny-models.ts';
export { generatorMarkerFileName, tinyModelGeneratorVersion, type GeneratorMarker } from './tiny/generator-marker.ts';
export type { TokenizerSource } from './tiny/tokenizer-source.ts';
export { stainClasses, type StainClass } from './tiny/clip/stain-classes.ts';
export { answerCorpus } from './tiny/chat/answer-corpus.ts';
export {
  convertClipCheckpoint,
  convertedClipFileNames,
  type ConvertClipCheckpointOptions,
  type ConvertClipCheckpointResult,
} from './convert/convert-clip-checkpoint.ts';
export { entryWithDtype } from './entry-with-dtype.ts';
export {
  quantizeDynamic,
  type QuantizeDynamicOptions,
  type QuantizeDynamicResult,
} from './quantize/quantize-dynamic.ts';
export { quantizeInt8Weights, type Int8Weights } from './quantize/int8-weights.ts';
export { quantizeModelFolder, quantizedFileName, type QuantizedFile } from './quantize/quantize-model-folder.ts';

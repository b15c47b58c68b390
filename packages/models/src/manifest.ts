import fs from 'node:fs/promises';
import { modelDtypes, PathLensError } from '@pathlens/core';
import { z } from 'zod';
import { defaultManifestPath } from './project-root.ts';

/** A path inside a model folder: relative, forward slashes, no `..`. */
const relativeFileSchema = z
  .string()
  .min(1)
  .refine(
    (file) =>
      !file.startsWith('/') && !file.includes('\\') && !file.split('/').includes('..') && !file.split('/').includes(''),
    {
      message: 'must be a relative path inside the model folder, with forward slashes and no ".."',
    },
  );

/** `owner/name`, the Hugging Face repository path and the folder under MODELS_DIR. */
export const modelIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/, 'must look like "owner/name"');

const sourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('huggingface'), repository: modelIdSchema }),
  z.object({ kind: z.literal('generated') }),
  /**
   * A PyTorch CLIP checkpoint on the hub: `pull` downloads `checkpointFiles` (and, when the
   * repository has no tokenizer, `tokenizer.json` + `tokenizer_config.json` from
   * `tokenizerRepository`), then `pathlens models convert` writes the ONNX folder.
   */
  z.object({
    kind: z.literal('converted'),
    repository: modelIdSchema,
    checkpointFiles: z.array(relativeFileSchema).min(1),
    tokenizerRepository: modelIdSchema.optional(),
  }),
]);

const commonFields = {
  id: modelIdSchema,
  source: sourceSchema,
  /** Weight precision of the ONNX files listed (transformers.js picks `onnx/<name><suffix>.onnx` by it). */
  dtype: z.enum(modelDtypes),
  /** Every file needed to run the model; `pull` downloads these and presence is checked against them. */
  files: z.array(relativeFileSchema).min(1),
  description: z.string().min(1),
  /** True for generated demo models, whose outputs are designed, not learned. */
  demo: z.boolean(),
  /** The weights' licence, as their authors state it. */
  licence: z.string().min(1).optional(),
  /** What the model was trained on. */
  trainingData: z.string().min(1).optional(),
};

export const imageTextEncoderEntrySchema = z.object({
  ...commonFields,
  task: z.literal('image-text-encoder'),
  /** Width of image and text embeddings. */
  embeddingDimension: z.number().int().positive(),
  /** Side of the square image the encoder takes, in pixels. */
  inputSizePx: z.number().int().positive(),
});

export const chatEntrySchema = z.object({
  ...commonFields,
  task: z.literal('chat'),
  /** Longest prompt + answer the model handles, in tokens. */
  contextLengthTokens: z.number().int().positive(),
});

export const modelManifestEntrySchema = z.discriminatedUnion('task', [imageTextEncoderEntrySchema, chatEntrySchema]);

export const modelManifestSchema = z
  .object({
    version: z.literal(1),
    models: z.array(modelManifestEntrySchema),
  })
  .superRefine((manifest, context) => {
    const seen = new Set<string>();
    manifest.models.forEach((entry, index) => {
      if (seen.has(entry.id))
        context.addIssue({ code: 'custom', path: ['models', index, 'id'], message: `duplicate model id ${entry.id}` });
      seen.add(entry.id);
    });
  });

export type ModelManifest = z.infer<typeof modelManifestSchema>;
export type ModelManifestEntry = z.infer<typeof modelManifestEntrySchema>;
export type ImageTextEncoderEntry = z.infer<typeof imageTextEncoderEntrySchema>;
export type ChatModelEntry = z.infer<typeof chatEntrySchema>;

/** Validates a parsed manifest; `sourceName` names it in the error. */
export function parseModelManifest(value: unknown, sourceName = 'model manifest'): ModelManifest {
  const result = modelManifestSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new PathLensError('invalid_config', `${sourceName} is not valid: ${problems.join('; ')}`, {
    sourceName,
    problems,
  });
}

/**
 * Reads and validates the model manifest (default: the committed `models/manifest.json`).
 *
 * @example
 * const manifest = await loadModelManifest();
 * const clip = findModelEntry(manifest, defaultImageTextEncoderId);
 */
export async function loadModelManifest(manifestPath: string = defaultManifestPath): Promise<ModelManifest> {
  let text: string;
  try {
    text = await fs.readFile(manifestPath, 'utf8');
  } catch (error) {
    throw new PathLensError(
      'invalid_config',
      `Cannot read the model manifest at ${manifestPath}.`,
      { manifestPath },
      { cause: error },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PathLensError(
      'invalid_config',
      `The model manifest at ${manifestPath} is not valid JSON.`,
      { manifestPath },
      { cause: error },
    );
  }
  return parseModelManifest(value, manifestPath);
}

/** The entry with this id, or a `model_not_found` error listing the known ids. */
export function findModelEntry(manifest: ModelManifest, modelId: string): ModelManifestEntry {
  const entry = manifest.models.find((candidate) => candidate.id === modelId);
  if (entry) return entry;
  const known = manifest.models.map((candidate) => candidate.id);
  throw new PathLensError('model_not_found', `Unknown model "${modelId}". Known models: ${known.join(', ')}.`, {
    modelId,
    known,
  });
}

import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting PathLens reads, with its default, in one place. Each key maps to an
 * environment variable of the same name in SCREAMING_SNAKE_CASE (see `environmentNames`).
 */
export const configSchema = z.object({
  port: z.coerce.number().int().min(0).max(65_535).default(8080),
  host: z.string().min(1).default('127.0.0.1'),
  dataDir: z.string().min(1).default('./data'),
  modelsDir: z.string().min(1).default('./models'),
  /** Unset: the embedded PGlite store under DATA_DIR. Set: a PostgreSQL server with pgvector. */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /** Manifest id of the CLIP-style image/text encoder. */
  imageTextEncoder: z.string().min(1).default('Xenova/clip-vit-base-patch32'),
  /** Manifest id of the chat model. */
  chatModel: z.string().min(1).default('onnx-community/Qwen2.5-0.5B-Instruct'),
  /** Directories a `{ "path": … }` ingest request may read from; none by default. */
  slideDirs: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean)),
  /** Try to download missing real models at start-up (falls back to tiny demo models). */
  pullModels: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  /** Largest accepted upload. */
  maxUploadMegabytes: z.coerce.number().positive().default(4096),
  /** A patch is kept when at least this fraction of its pixels is tissue. */
  minTissueFraction: z.coerce.number().min(0).max(1).default(0.25),
  /** Patches embedded per encoder call. */
  encoderBatchSize: z.coerce.number().int().min(1).max(1024).default(32),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema> & { dataDir: string; modelsDir: string };

/** `dataDir` → `DATA_DIR`. */
export function environmentName(key: string): string {
  return key.replace(/([A-Z])/g, '_$1').toUpperCase();
}

export const configKeys = Object.keys(configSchema.shape) as (keyof typeof configSchema.shape)[];

export function resolveConfigPaths(config: z.output<typeof configSchema>, cwd: string): Config {
  return { ...config, dataDir: path.resolve(cwd, config.dataDir), modelsDir: path.resolve(cwd, config.modelsDir) };
}

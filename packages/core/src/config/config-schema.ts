import path from 'node:path';
import { z } from 'zod';
import { dicomWebCredentialsSetting, dicomWebEndpointsSetting } from './dicomweb-settings.ts';
import { modelDtypes } from './model-dtype.ts';

/** `true`/`false`/`1`/`0` as a boolean. */
function booleanSetting(defaultValue: 'true' | 'false') {
  return z
    .enum(['true', 'false', '1', '0'])
    .default(defaultValue)
    .transform((value) => value === 'true' || value === '1');
}

/** `a, b,c` as `['a', 'b', 'c']`; empty by default. */
function commaList() {
  return z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    );
}

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
  /**
   * ONNX weight precision of the image/text encoder (`fp32`, `q8`: int8, ~2× faster on a CPU;
   * `q8` files come from the hub or `pathlens models quantize`). Unset: the manifest's (fp32).
   */
  encoderDtype: z.enum(modelDtypes).optional(),
  /** ONNX weight precision of the local chat model (`fp32`, `q8`, `q4`, `fp16`). Unset: the manifest's. */
  chatDtype: z.enum(modelDtypes).optional(),
  /** Directories a `{ "path": … }` ingest request may read from; none by default. */
  slideDirs: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
  /** Try to download missing real models at start-up (falls back to tiny demo models). */
  pullModels: booleanSetting('true'),
  /** Largest accepted upload. */
  maxUploadMegabytes: z.coerce.number().positive().default(4096),
  /** A patch is kept when at least this fraction of its pixels is tissue. */
  minTissueFraction: z.coerce.number().min(0).max(1).default(0.25),
  /** µm per pixel patches are tiled at (0.5 ≈ 20×): a patch covers encoder input × TARGET_MPP µm. */
  targetMpp: z.coerce.number().min(0.05).max(20).default(0.5),
  /**
   * Patches upsampled more than this factor from the source (a scan coarser than TARGET_MPP)
   * are tiled with a warning, shown and stored on the slide.
   */
  maxUpsampleFactor: z.coerce.number().min(1).max(100).default(2),
  /** Tissue mask resolution, µm per mask pixel (CLAM segments at ≈ 16). */
  tissueMaskMpp: z.coerce.number().min(1).max(64).default(8),
  /** Median blur window on the saturation channel, mask pixels (CLAM: 7). */
  tissueMedianBlurPx: z.coerce.number().int().min(1).max(51).default(7),
  /** Morphological closing kernel, mask pixels (CLAM: 4; 0 = none). */
  tissueClosingPx: z.coerce.number().int().min(0).max(51).default(4),
  /** Tissue pieces smaller than this are dropped, mm² (CLAM's biopsy preset ≈ 0.016). */
  tissueMinAreaMm2: z.coerce.number().min(0).max(1000).default(0.016),
  /** Holes in tissue smaller than this are filled, mm². */
  tissueMinHoleAreaMm2: z.coerce.number().min(0).max(1000).default(0.016),
  /** Serve slides' label (and macro) images, which can show patient identity. Off by default. */
  serveLabelImage: booleanSetting('false'),
  /** Serve the web app at `/` (built by `npm install`, or at start when missing). */
  webApp: booleanSetting('true'),
  /**
   * Cores PathLens plans its threads for (0: every core the machine reports). ONNX Runtime
   * sessions get this many intra-op threads; libvips, patch reads and storing are sized from
   * it too (packages/core/src/config/thread-budget.ts).
   */
  cpuThreads: z.coerce.number().int().min(0).max(256).default(0),
  /** Patches embedded per encoder call. */
  encoderBatchSize: z.coerce.number().int().min(1).max(1024).default(32),
  /**
   * ONNX Runtime without its CPU memory arena and weight prepacking: ~350 MB less resident for
   * ViT-B/32, but 0.6–0.8× the encoding speed (measured, README benchmarks). Off by default;
   * `true` where memory is tighter than time.
   */
  encoderLowMemory: booleanSetting('false'),
  /**
   * Where the server's image encoder runs: `worker` (a worker thread: requests and job
   * heartbeats go on while a batch encodes) or `main` (this thread; ~150–250 MB lower peak
   * RSS with glibc's default allocator, but each batch blocks the server for its duration).
   */
  encoderThread: z.enum(['worker', 'main']).default('worker'),
  /**
   * Ingestion workers this server runs (0: none; with DATABASE_URL, `pathlens worker`
   * processes do the work). Each works on one slide at a time.
   */
  ingestWorkers: z.coerce.number().int().min(0).max(16).default(1),
  /** Tries a slide gets when its worker dies mid-slide (crash, OOM, kill) before it is marked failed. */
  ingestMaxAttempts: z.coerce.number().int().min(1).max(100).default(3),
  /** A running slide whose worker has not heartbeated for this long is taken over by another worker. */
  ingestStaleSeconds: z.coerce.number().min(1).max(3600).default(60),
  /** A folder of your own zero-shot label sets (`*.json`, see label-sets/README.md), added to the shipped ones. */
  labelSetsDir: z.string().min(1).optional(),
  /** Softmax sharpness for zero-shot class probabilities when a label set gives none (CLIP's exp(logit_scale)). */
  zeroShotLogitScale: z.coerce.number().positive().max(1000).default(100),
  /** HNSW search effort for library and slide search (pgvector's hnsw.ef_search; more = better recall, slower). */
  hnswEfSearch: z.coerce.number().int().min(1).max(1000).default(100),
  /** With `rerank=true`, approximate candidates fetched per wanted result before exact re-scoring. */
  rerankCandidateFactor: z.coerce.number().int().min(1).max(50).default(4),
  /** PostgreSQL server only: build the cross-slide patch index once this many patches are stored (checked after each
   * ingested slide); 0 leaves it to `pathlens index patches`. */
  patchIndexMinRows: z.coerce.number().int().min(0).default(100_000),
  /** Rebuild the patch index once the patch count reaches this multiple of the count it was built over (its IVFFlat
   * lists are learnt at build time and go stale as the archive grows). */
  patchIndexGrowthFactor: z.coerce.number().min(1.5).max(100).default(4),
  /** IVFFlat lists searched by a cross-slide patch search (ivfflat.probes): more = better recall, slower. */
  patchIndexProbes: z.coerce.number().int().min(1).max(10_000).default(10),
  /** Where chat and report drafts are generated: `local` (CHAT_MODEL in-process) or `openai-compatible`
   * (CHAT_BASE_URL).
   */
  chatProvider: z.enum(['local', 'openai-compatible']).default('local'),
  /** With CHAT_PROVIDER=openai-compatible: the server's API root, e.g. http://127.0.0.1:11434/v1 (Ollama). */
  chatBaseUrl: z
    .string()
    .regex(/^https?:\/\/[^\s/]+/, 'must be an http(s) URL such as http://127.0.0.1:11434/v1')
    .optional(),
  /** With CHAT_PROVIDER=openai-compatible: the bearer key the server wants, if any. */
  chatApiKey: z.string().min(1).optional(),
  /** With CHAT_PROVIDER=openai-compatible: the model name the server knows; CHAT_MODEL when unset. */
  chatUpstreamModel: z.string().min(1).optional(),
  /** With CHAT_PROVIDER=openai-compatible: the upstream model's context window, prompt plus answer, in tokens. */
  chatUpstreamContextTokens: z.coerce.number().int().min(512).max(2_000_000).default(8192),
  /** With CHAT_PROVIDER=openai-compatible: generations sent to the server at once. */
  chatUpstreamConcurrency: z.coerce.number().int().min(1).max(64).default(4),
  /** With CHAT_PROVIDER=openai-compatible: the upstream model sees pictures, so they travel as `image_url` parts. */
  chatUpstreamSeesImages: booleanSetting('false'),
  /** With CHAT_UPSTREAM_SEES_IMAGES: most pictures one request sends upstream. */
  chatUpstreamMaxImages: z.coerce.number().int().min(1).max(64).default(4),
  /** Pictures one chat request may carry in `image_url` parts. */
  chatMaxImages: z.coerce.number().int().min(1).max(64).default(4),
  /** Largest picture in a chat request, in megabytes (decoded bytes). */
  chatMaxImageMegabytes: z.coerce.number().positive().max(100).default(10),
  /** Largest picture in a chat request, in megapixels (width × height). */
  chatMaxImageMegapixels: z.coerce.number().positive().max(1000).default(40),
  /**
   * Hosts whose http(s) picture URLs a chat request may name (comma-separated); none by default,
   * so only data URLs work.
   */
  chatImageUrlHosts: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim().toLowerCase())
        .filter(Boolean),
    ),
  /**
   * With CHAT_PROVIDER=local: where the model generates. `worker` (a worker thread: health
   * checks, search and other requests answer while it writes) or `main` (this thread; each
   * token blocks the server while it is computed).
   */
  chatThread: z.enum(['worker', 'main']).default('worker'),
  /** Chat and report requests that may wait for the model beyond the running one(s); more get 429 with retry-after. */
  chatQueueSize: z.coerce.number().int().min(0).max(1000).default(8),
  /**
   * Similarity floor (cosine, question → slide regions and library captions): when no evidence
   * reaches it, the assistant says the evidence does not support an answer instead of guessing.
   */
  chatMinSimilarity: z.coerce.number().min(-1).max(1).default(0.1),
  /** The same floor for library captions matched by text (question → caption similarities run higher than text →
   * image).
   */
  chatMinCaptionSimilarity: z.coerce.number().min(-1).max(1).default(0.8),
  /** Largest JSON (non-multipart) request body: bigger ones are refused (413) before they are read. */
  maxJsonBodyMegabytes: z.coerce.number().positive().default(16),
  /** Longest single chat message, in characters (413 above it, checked before any tokenizing). */
  chatMaxMessageCharacters: z.coerce.number().int().positive().default(16_000),
  /** Longest chat request, all messages together, in characters. */
  chatMaxTotalCharacters: z.coerce.number().int().positive().default(64_000),
  /** Most prompt tokens a chat request may make (estimated before tokenizing, then counted in bounded chunks). */
  chatMaxPromptTokens: z.coerce.number().int().positive().default(16_384),
  /** A folder of your own report templates (`*.json`, see report-templates/README.md), added to the shipped ones. */
  reportTemplatesDir: z.string().min(1).optional(),
  /** Tries the model gets to produce a valid report before the request fails with `report_generation_failed`. */
  reportMaxAttempts: z.coerce.number().int().min(1).max(10).default(3),
  /** DICOMweb servers slides can be ingested from: `name=url,…` (see `dicomweb-settings.ts`). None by default. */
  dicomwebEndpoints: dicomWebEndpointsSetting,
  /** Credentials: `name=bearer:<token>` or `name=basic:<user>:<password>`, comma-separated. Never logged. */
  dicomwebCredentials: dicomWebCredentialsSetting,
  /** One DICOMweb request (a frame, a metadata document) is abandoned and retried after this long. */
  dicomwebTimeoutSeconds: z.coerce.number().min(1).max(600).default(30),
  /** DICOMweb requests in flight at once, per server. */
  dicomwebConcurrency: z.coerce.number().int().min(1).max(64).default(6),
  /** Retries of a DICOMweb request that timed out, failed to connect or got a 5xx (waits 0.5 s, 1 s, 2 s, …). */
  dicomwebRetries: z.coerce.number().int().min(0).max(10).default(3),
  /**
   * Require an API key (`Authorization: Bearer …`) on every /v1 call even on loopback. Off loopback
   * (HOST not 127.x/::1/localhost) keys are always required; on loopback they are required once any key exists.
   */
  requireApiKeys: booleanSetting('false'),
  /** The API key the CLI sends to a running server (`pathlens keys create` makes one). */
  apiKey: z.string().min(1).optional(),
  /** Expensive requests (chat, reports, ingestion, imports) one API key may make per minute, per kind; 0 = no limit. */
  rateLimitPerMinute: z.coerce.number().int().min(0).max(100_000).default(60),
  /** Origins (`https://viewer.example.org`) other sites may call the API from (CORS); none by default. */
  corsOrigins: commaList(),
  /** Host names (the `Host` header, without port) the server answers to besides loopback names; needed off loopback. */
  allowedHosts: commaList(),
  /** Hosts image URLs may be fetched from (`images.example.org`, `*.example.org`); none by default: no remote fetching.
   *
   */
  fetchAllowedHosts: commaList(),
  /** Largest remote image fetched, in MB. */
  fetchMaxMegabytes: z.coerce.number().positive().max(1024).default(64),
  /** Time a remote image fetch may take, in seconds, redirects included. */
  fetchTimeoutSeconds: z.coerce.number().positive().max(600).default(30),
  /** Associated images served besides `thumbnail` (`macro`, `overview`, `label`); all of them when
   * SERVE_LABEL_IMAGE=true.
   */
  associatedImages: commaList().pipe(
    z.array(
      z.enum(['label', 'macro', 'overview', 'thumbnail'], {
        error: 'must be a comma-separated list of label, macro, overview, thumbnail',
      }),
    ),
  ),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /**
   * PHI scrubbing of captions and free-text metadata before they are stored (library pairs and
   * imports): `true` (every rule), `false`, or a comma-separated list of
   * `names,ids,dates,phones,emails`. Rules: packages/library/src/phi/phi-rules.ts.
   */
  phiScrubbing: z
    .string()
    .default('true')
    .transform((value) => {
      const setting = value.trim().toLowerCase();
      if (['true', '1', 'on', 'all'].includes(setting)) return ['names', 'ids', 'dates', 'phones', 'emails'];
      if (['false', '0', 'off', 'none'].includes(setting)) return [];
      return setting
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
    })
    .pipe(
      z.array(
        z.enum(['names', 'ids', 'dates', 'phones', 'emails'], {
          error: 'must be true, false, or a comma-separated list of names, ids, dates, phones, emails',
        }),
      ),
    ),
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

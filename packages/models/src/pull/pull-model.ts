import fs from 'node:fs/promises';
import path from 'node:path';
import { PathLensError } from '@pathlens/core';
import type { ModelManifestEntry } from '../manifest.ts';
import { convertClipCheckpoint } from '../convert/convert-clip-checkpoint.ts';
import { modelFolderPath } from '../resolve-model-folder.ts';
import { DownloadFailure, downloadFile, type DownloadProgress } from './download-file.ts';

export type PullProgress = DownloadProgress;

export interface PullModelOptions {
  modelsDir: string;
  entry: ModelManifestEntry;
  /** Called as bytes arrive, per file. */
  onProgress?: (progress: PullProgress) => void;
  /** Defaults to the global `fetch`; pass another to test or to route through a proxy agent. */
  fetch?: typeof globalThis.fetch;
  /** Defaults to `https://huggingface.co`; a mirror with the same `/<repo>/resolve/main/<file>` paths works. */
  baseUrl?: string;
  /** Hugging Face access token, for gated repositories. */
  accessToken?: string;
  /** No response within this → fail (default 10 s), so an offline machine fails fast. */
  firstResponseTimeoutMs?: number;
  /** Body silent for this long → fail (default 60 s). */
  stallTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface PullModelResult {
  folder: string;
  downloadedFiles: string[];
  /** Files already present (non-empty), left as they are. */
  skippedFiles: string[];
}

/**
 * Downloads every file of a Hugging Face manifest entry into `<modelsDir>/<id>/`, from
 * `<baseUrl>/<repository>/resolve/main/<file>`. Files already present are skipped; each new
 * file streams to `<file>.partial` and is renamed when complete. A `converted` entry's PyTorch
 * checkpoint goes to `<modelsDir>/.checkpoints/<id>/` and is converted into `<modelsDir>/<id>/`.
 *
 * @throws PathLensError `model_download_failed` (host unreachable, timeout, HTTP error) with
 *   instructions for an offline install; `invalid_request` for a generated model.
 * @example
 * await pullModel({ modelsDir, entry: findModelEntry(manifest, 'Xenova/clip-vit-base-patch32'), onProgress: console.log
 * });
 */
export async function pullModel(options: PullModelOptions): Promise<PullModelResult> {
  const { entry } = options;
  const folder = modelFolderPath(options.modelsDir, entry.id);
  if (entry.source.kind === 'generated') {
    throw new PathLensError(
      'invalid_request',
      `${entry.id} is generated locally, not downloaded. Run \`pathlens models tiny\` to (re)generate it.`,
      { modelId: entry.id },
    );
  }
  if (entry.source.kind === 'huggingface')
    return { folder, ...(await downloadRepositoryFiles(options, entry.source.repository, entry.files, folder)) };

  // A PyTorch checkpoint: download it beside the models, then convert it into the model folder.
  const checkpointFolder = path.join(options.modelsDir, '.checkpoints', ...entry.id.split('/'));
  const downloaded = await downloadRepositoryFiles(
    options,
    entry.source.repository,
    entry.source.checkpointFiles,
    checkpointFolder,
  );
  if (entry.source.tokenizerRepository) {
    const tokenizer = await downloadRepositoryFiles(
      options,
      entry.source.tokenizerRepository,
      ['tokenizer.json', 'tokenizer_config.json'],
      checkpointFolder,
    );
    downloaded.downloadedFiles.push(...tokenizer.downloadedFiles);
    downloaded.skippedFiles.push(...tokenizer.skippedFiles);
  }
  await convertClipCheckpoint({ checkpointFolder, outputFolder: folder, modelId: entry.id });
  return { folder, ...downloaded };
}

async function downloadRepositoryFiles(
  options: PullModelOptions,
  repository: string,
  files: readonly string[],
  folder: string,
): Promise<Omit<PullModelResult, 'folder'>> {
  const { entry } = options;
  const baseUrl = (options.baseUrl ?? 'https://huggingface.co').replace(/\/+$/, '');
  const headers: Record<string, string> = options.accessToken ? { authorization: `Bearer ${options.accessToken}` } : {};
  const downloadedFiles: string[] = [];
  const skippedFiles: string[] = [];

  for (const file of files) {
    const destination = path.join(folder, ...file.split('/'));
    const existing = await fs.stat(destination).catch(() => undefined);
    if (existing?.isFile() && existing.size > 0) {
      skippedFiles.push(file);
      continue;
    }
    const url = `${baseUrl}/${repository}/resolve/main/${file.split('/').map(encodeURIComponent).join('/')}`;
    try {
      await downloadFile({
        url,
        destination,
        file,
        fetch: options.fetch ?? globalThis.fetch,
        headers,
        firstResponseTimeoutMs: options.firstResponseTimeoutMs ?? 10_000,
        stallTimeoutMs: options.stallTimeoutMs ?? 60_000,
        signal: options.signal,
        onProgress: options.onProgress,
      });
    } catch (error) {
      if (!(error instanceof DownloadFailure)) throw error;
      throw downloadFailedError(error, { modelId: entry.id, repository, file, url, host: new URL(baseUrl).host });
    }
    downloadedFiles.push(file);
  }
  return { downloadedFiles, skippedFiles };
}

function downloadFailedError(
  failure: DownloadFailure,
  context: { modelId: string; repository: string; file: string; url: string; host: string },
): PathLensError {
  const offlineAdvice =
    `Download the files on a machine with internet and copy the folder into MODELS_DIR/${context.modelId}, ` +
    `or run \`pathlens models pull ${context.modelId}\` where network is available.`;
  const details = { ...context, reason: failure.reason, status: failure.status };
  if (failure.reason === 'unreachable' || failure.reason === 'timeout') {
    return new PathLensError(
      'model_download_failed',
      `Could not reach ${context.host} (${failure.message}). ${offlineAdvice}`,
      details,
      { cause: failure },
    );
  }
  if (failure.reason === 'http_status') {
    const hint =
      failure.status === 401 || failure.status === 403
        ? ' The repository may be gated: accept its licence on huggingface.co and pass an access token.'
        : failure.status === 404
          ? ` Check that ${context.repository} has ${context.file}.`
          : '';
    return new PathLensError(
      'model_download_failed',
      `Downloading ${context.file} of ${context.modelId} failed: ${failure.message}.${hint} ${offlineAdvice}`,
      details,
      {
        cause: failure,
      },
    );
  }
  return new PathLensError(
    'model_download_failed',
    `Downloading ${context.file} of ${context.modelId} failed: ${failure.message}. Run the pull again to retry. ${offlineAdvice}`,
    details,
    {
      cause: failure,
    },
  );
}

import fs from 'node:fs/promises';
import path from 'node:path';
import { modelIdSchema, type ModelManifestEntry } from './manifest.ts';

/** Where a model lives: `<modelsDir>/<owner>/<name>` (the Hugging Face layout transformers.js reads). */
export function modelFolderPath(modelsDir: string, modelId: string): string {
  const id = modelIdSchema.parse(modelId);
  return path.join(modelsDir, ...id.split('/'));
}

export interface ModelFolderStatus {
  /** True when every file the manifest lists exists (as a non-empty file). */
  present: boolean;
  folder: string;
  /** Listed files that are absent or empty, relative to `folder`. */
  missingFiles: string[];
}

/**
 * Checks a model's folder against its manifest entry, offline. A download in progress
 * (`<file>.partial`) does not count as present.
 *
 * @example
 * const { present, missingFiles } = await resolveModelFolder(modelsDir, findModelEntry(manifest, id));
 */
export async function resolveModelFolder(
  modelsDir: string,
  entry: Pick<ModelManifestEntry, 'id' | 'files'>,
): Promise<ModelFolderStatus> {
  const folder = modelFolderPath(modelsDir, entry.id);
  const missingFiles: string[] = [];
  for (const file of entry.files) {
    const stats = await fs.stat(path.join(folder, file)).catch(() => undefined);
    if (!stats?.isFile() || stats.size === 0) missingFiles.push(file);
  }
  return { present: missingFiles.length === 0, folder, missingFiles };
}

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureTinyModels, type TinyModelFolders } from '@pathlens/models';
import { sharedDataDir, sharedDataFile } from '../helpers/shared-data.ts';

/** One way of getting the tiny models' tokenizers; every tiny-model suite runs once per source. */
export interface TokenizerSourceCase {
  name: string;
  /** `undefined` when the real tokenizers are absent: the suite is skipped. */
  sharedTokenizersDir: string | undefined;
  expectedKind: 'shared' | 'generated';
}

const hasRealTokenizers =
  sharedDataFile('tokenizers/clip-vit-base-patch32/tokenizer.json') !== undefined &&
  sharedDataFile('tokenizers/phi-3-mini/tokenizer.json') !== undefined;

export const tokenizerSourceCases: TokenizerSourceCase[] = [
  {
    name: 'real tokenizers from ../shared/data/tokenizers',
    sharedTokenizersDir: hasRealTokenizers ? path.join(sharedDataDir, 'tokenizers') : undefined,
    expectedKind: 'shared',
  },
  // A folder that does not exist forces the generated fallback tokenizers.
  {
    name: 'generated fallback tokenizers',
    sharedTokenizersDir: path.join(os.tmpdir(), 'pathlens-no-such-tokenizers'),
    expectedKind: 'generated',
  },
];

export interface TinyModelsInTempDir extends TinyModelFolders {
  modelsDir: string;
  logLines: string[];
  remove: () => Promise<void>;
}

/** Generates the tiny models into a fresh temporary MODELS_DIR. */
export async function generateTinyModelsInTempDir(sharedTokenizersDir: string): Promise<TinyModelsInTempDir> {
  const modelsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pathlens-models-'));
  const logLines: string[] = [];
  const folders = await ensureTinyModels({ modelsDir, sharedTokenizersDir, log: (line) => logLines.push(line) });
  return { ...folders, modelsDir, logLines, remove: () => fs.rm(modelsDir, { recursive: true, force: true }) };
}

/** Every file under `folder`, relative path → bytes. */
export async function readFolderFiles(folder: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await fs.readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const absolute = path.join(entry.parentPath, entry.name);
    files.set(path.relative(folder, absolute), await fs.readFile(absolute));
  }
  return files;
}

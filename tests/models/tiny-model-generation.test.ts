import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureTinyModels,
  findModelEntry,
  generatorMarkerFileName,
  loadModelManifest,
  resolveModelFolder,
  tinyChatModelId,
  tinyImageTextEncoderId,
  type GeneratorMarker,
} from '@pathlens/models';
import { writeFolderAtomically } from '../../packages/models/src/tiny/write-folder-atomically.ts';
import {
  generateTinyModelsInTempDir,
  readFolderFiles,
  tokenizerSourceCases,
  type TinyModelsInTempDir,
} from './tiny-model-fixtures.ts';

for (const source of tokenizerSourceCases)
  describe.skipIf(source.sharedTokenizersDir === undefined)(`tiny model generation with ${source.name}`, () => {
    const sharedTokenizersDir = source.sharedTokenizersDir!;
    let first: TinyModelsInTempDir;
    let second: TinyModelsInTempDir;
    let firstDurationMs = 0;

    beforeAll(async () => {
      const startedAt = performance.now();
      first = await generateTinyModelsInTempDir(sharedTokenizersDir);
      firstDurationMs = performance.now() - startedAt;
      second = await generateTinyModelsInTempDir(sharedTokenizersDir);
    });
    afterAll(async () => {
      await first?.remove();
      await second?.remove();
    });

    it('reports what it generated (a time is printed, never asserted: tests do not time the machine)', () => {
      console.info(
        `[tiny models, ${source.name}] generated in ${Math.round(firstDurationMs)} ms: ${first.logLines.join(' | ')}`,
      );
      expect(first.logLines.length).toBeGreaterThan(0);
    });

    it('writes byte-identical folders on every run', async () => {
      for (const folderName of ['pathlens/tiny-clip', 'pathlens/tiny-chat']) {
        const firstFiles = await readFolderFiles(path.join(first.modelsDir, folderName));
        const secondFiles = await readFolderFiles(path.join(second.modelsDir, folderName));
        expect([...secondFiles.keys()].sort()).toEqual([...firstFiles.keys()].sort());
        for (const [file, bytes] of firstFiles)
          expect(bytes.equals(secondFiles.get(file)!), `${folderName}/${file}`).toBe(true);
      }
    });

    it('records the tokenizer source in the marker', async () => {
      for (const folder of [first.clipFolder, first.chatFolder]) {
        const marker = JSON.parse(
          await fs.readFile(path.join(folder, generatorMarkerFileName), 'utf8'),
        ) as GeneratorMarker;
        expect(marker.tokenizerSource.kind).toBe(source.expectedKind);
        expect(marker.demo).toBe(true);
      }
    });

    it('produces every file the manifest lists for the tiny models', async () => {
      const manifest = await loadModelManifest();
      for (const id of [tinyImageTextEncoderId, tinyChatModelId]) {
        const status = await resolveModelFolder(first.modelsDir, findModelEntry(manifest, id));
        expect(status.missingFiles).toEqual([]);
        expect(status.present).toBe(true);
      }
    });
  });

describe('tiny model freshness', () => {
  const sharedTokenizersDir = path.join(os.tmpdir(), 'pathlens-no-such-tokenizers');
  let models: TinyModelsInTempDir;

  beforeAll(async () => {
    models = await generateTinyModelsInTempDir(sharedTokenizersDir);
  });
  afterAll(async () => {
    await models?.remove();
  });

  const ensureAgain = async () => {
    const lines: string[] = [];
    await ensureTinyModels({ modelsDir: models.modelsDir, sharedTokenizersDir, log: (line) => lines.push(line) });
    return lines;
  };

  it('leaves current folders alone', async () => {
    const modelFile = path.join(models.chatFolder, 'onnx/model.onnx');
    const before = await fs.stat(modelFile);
    const lines = await ensureAgain();
    expect(lines.every((line) => line.includes('up to date'))).toBe(true);
    expect((await fs.stat(modelFile)).mtimeMs).toBe(before.mtimeMs);
  });

  it('regenerates a folder whose marker is from another generator version', async () => {
    const markerPath = path.join(models.clipFolder, generatorMarkerFileName);
    const original = await fs.readFile(markerPath, 'utf8');
    await fs.writeFile(markerPath, JSON.stringify({ ...JSON.parse(original), generatorVersion: 0 }));
    const lines = await ensureAgain();
    expect(lines.find((line) => line.startsWith(tinyImageTextEncoderId))).toMatch(/generated in/);
    expect(await fs.readFile(markerPath, 'utf8')).toBe(original);
  });

  it('regenerates a folder with a missing file', async () => {
    await fs.rm(path.join(models.chatFolder, 'onnx/model.onnx'));
    const lines = await ensureAgain();
    expect(lines.find((line) => line.startsWith(tinyChatModelId))).toMatch(/generated in/);
    await expect(fs.stat(path.join(models.chatFolder, 'onnx/model.onnx'))).resolves.toBeTruthy();
  });

  it('leaves no temporary folders behind', async () => {
    const entries = await fs.readdir(path.join(models.modelsDir, 'pathlens'));
    expect(entries.sort()).toEqual(['tiny-chat', 'tiny-clip', 'tiny-vlm']);
  });
});

describe('writeFolderAtomically', () => {
  let parent: string;
  beforeAll(async () => {
    parent = await fs.mkdtemp(path.join(os.tmpdir(), 'pathlens-atomic-'));
  });
  afterAll(async () => {
    await fs.rm(parent, { recursive: true, force: true });
  });

  it('keeps the previous complete folder when writing fails part-way', async () => {
    const folder = path.join(parent, 'model');
    await writeFolderAtomically(folder, new Map([['config.json', '{"version":1}']]));
    // "config.json/inner" cannot be written once "config.json" is a file: the write fails after the first file.
    const failing = new Map<string, string>([
      ['config.json', '{"version":2}'],
      ['config.json/inner', 'x'],
    ]);
    await expect(writeFolderAtomically(folder, failing)).rejects.toThrow();
    expect(await fs.readFile(path.join(folder, 'config.json'), 'utf8')).toBe('{"version":1}');
    expect(await fs.readdir(parent)).toEqual(['model']);
  });

  it('replaces an existing folder as a whole', async () => {
    const folder = path.join(parent, 'replaced');
    await writeFolderAtomically(folder, new Map([['old.txt', 'old']]));
    await writeFolderAtomically(folder, new Map([['onnx/new.onnx', new Uint8Array([1, 2, 3])]]));
    expect([...(await readFolderFiles(folder)).keys()]).toEqual([path.join('onnx', 'new.onnx')]);
  });
});

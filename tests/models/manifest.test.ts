import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PathLensError } from '@pathlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultChatModelId,
  defaultImageTextEncoderId,
  findModelEntry,
  loadModelManifest,
  modelFolderPath,
  parseModelManifest,
  resolveModelFolder,
  tinyChatModelId,
  tinyImageTextEncoderId,
  type ModelManifest,
} from '@pathlens/models';

describe('models/manifest.json', () => {
  let manifest: ModelManifest;
  beforeAll(async () => {
    manifest = await loadModelManifest();
  });

  it('lists the real defaults and the tiny demo models', () => {
    expect(manifest.models.map((entry) => entry.id)).toEqual(
      expect.arrayContaining([defaultImageTextEncoderId, defaultChatModelId, tinyImageTextEncoderId, tinyChatModelId]),
    );
  });

  it('describes the default CLIP as a 512-d fp32 encoder downloaded from its repository', () => {
    const entry = findModelEntry(manifest, defaultImageTextEncoderId);
    expect(entry).toMatchObject({
      task: 'image-text-encoder',
      embeddingDimension: 512,
      inputSizePx: 224,
      dtype: 'fp32',
      demo: false,
    });
    expect(entry.source).toEqual({ kind: 'huggingface', repository: 'Xenova/clip-vit-base-patch32' });
    expect(entry.files).toEqual(
      expect.arrayContaining(['onnx/vision_model.onnx', 'onnx/text_model.onnx', 'tokenizer.json']),
    );
  });

  it('describes the default chat model as 4-bit with its q4 ONNX file', () => {
    const entry = findModelEntry(manifest, defaultChatModelId);
    expect(entry).toMatchObject({ task: 'chat', dtype: 'q4', demo: false });
    expect(entry.files).toContain('onnx/model_q4.onnx');
  });

  it('marks the generated models as demos with a generated source', () => {
    for (const id of [tinyImageTextEncoderId, tinyChatModelId]) {
      expect(findModelEntry(manifest, id)).toMatchObject({ source: { kind: 'generated' }, demo: true });
    }
  });

  it('lists PLIP and QuiltNet-B-32 as pulled-then-converted 512-d encoders with licence and training data', () => {
    expect(findModelEntry(manifest, 'vinid/plip')).toMatchObject({
      task: 'image-text-encoder',
      embeddingDimension: 512,
      source: {
        kind: 'converted',
        repository: 'vinid/plip',
        checkpointFiles: expect.arrayContaining(['config.json', 'model.safetensors']),
      },
      licence: expect.any(String),
      trainingData: expect.stringContaining('OpenPath'),
    });
    expect(findModelEntry(manifest, 'wisdomik/QuiltNet-B-32')).toMatchObject({
      source: {
        kind: 'converted',
        checkpointFiles: expect.arrayContaining(['open_clip_config.json']),
        tokenizerRepository: defaultImageTextEncoderId,
      },
      licence: expect.stringContaining('MIT'),
      trainingData: expect.stringContaining('Quilt-1M'),
    });
  });

  it('rejects an unknown id with model_not_found naming the known ids', () => {
    expect(() => findModelEntry(manifest, 'someone/unknown')).toThrowError(
      expect.objectContaining({ code: 'model_not_found', message: expect.stringContaining(defaultChatModelId) }),
    );
  });
});

describe('parseModelManifest', () => {
  const encoder = {
    id: 'owner/encoder',
    task: 'image-text-encoder',
    source: { kind: 'generated' },
    embeddingDimension: 8,
    inputSizePx: 224,
    dtype: 'fp32',
    files: ['config.json'],
    description: 'test',
    demo: true,
  };

  it('says which field is wrong', () => {
    const attempt = () =>
      parseModelManifest({ version: 1, models: [{ ...encoder, embeddingDimension: -1 }] }, 'test manifest');
    expect(attempt).toThrow(PathLensError);
    expect(attempt).toThrowError(
      expect.objectContaining({
        code: 'invalid_config',
        message: expect.stringContaining('models.0.embeddingDimension'),
      }),
    );
  });

  it('rejects files outside the model folder and duplicate ids', () => {
    expect(() => parseModelManifest({ version: 1, models: [{ ...encoder, files: ['../secret'] }] })).toThrowError(
      /files/,
    );
    expect(() => parseModelManifest({ version: 1, models: [encoder, encoder] })).toThrowError(/duplicate model id/);
  });

  it('requires the task-specific fields', () => {
    const { embeddingDimension: _omitted, ...withoutDimension } = encoder;
    expect(() => parseModelManifest({ version: 1, models: [withoutDimension] })).toThrowError(/embeddingDimension/);
  });
});

describe('resolveModelFolder', () => {
  let modelsDir: string;
  const entry = { id: 'owner/model', files: ['config.json', 'onnx/model.onnx'] };

  beforeAll(async () => {
    modelsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pathlens-resolve-'));
  });
  afterAll(async () => {
    await fs.rm(modelsDir, { recursive: true, force: true });
  });

  it('reports every missing file when the folder is absent', async () => {
    expect(await resolveModelFolder(modelsDir, entry)).toEqual({
      present: false,
      folder: path.join(modelsDir, 'owner', 'model'),
      missingFiles: ['config.json', 'onnx/model.onnx'],
    });
  });

  it('does not count a half-downloaded or empty file as present', async () => {
    const folder = modelFolderPath(modelsDir, entry.id);
    await fs.mkdir(path.join(folder, 'onnx'), { recursive: true });
    await fs.writeFile(path.join(folder, 'config.json'), '');
    await fs.writeFile(path.join(folder, 'onnx/model.onnx.partial'), 'half');
    expect((await resolveModelFolder(modelsDir, entry)).missingFiles).toEqual(['config.json', 'onnx/model.onnx']);
  });

  it('is present when every listed file exists', async () => {
    const folder = modelFolderPath(modelsDir, entry.id);
    await fs.writeFile(path.join(folder, 'config.json'), '{}');
    await fs.writeFile(path.join(folder, 'onnx/model.onnx'), 'weights');
    expect(await resolveModelFolder(modelsDir, entry)).toMatchObject({ present: true, missingFiles: [] });
  });

  it('refuses ids that would leave MODELS_DIR', () => {
    expect(() => modelFolderPath(modelsDir, '../outside')).toThrow();
  });
});

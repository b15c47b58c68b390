import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClipImageEncoder, ClipTextEncoder, decodeImage, type RgbPixels } from '@pathlens/encoders';
import { loadConfig, silentLogger } from '@pathlens/core';
import { TransformersLanguageModel } from '@pathlens/language-model';
import { selectModels } from '@pathlens/server';
import {
  entryWithDtype,
  findModelEntry,
  loadModelManifest,
  quantizeDynamic,
  quantizeInt8Weights,
} from '@pathlens/models';
import { GraphBuilder } from '../../packages/models/src/onnx/graph-builder.ts';
import { collectGeneration } from '../helpers/collect-generation.ts';
import { pathLensFailure } from '../helpers/expect-failure.ts';
import { projectRoot, sharedDataFile } from '../helpers/shared-data.ts';
import { stainColours, stainPatchPng } from '../helpers/stain-fixtures.ts';
import { cosine, seededRandom } from '../helpers/vectors.ts';

const { onnx } = onnxProto;
const crcLabels = sharedDataFile('patches/crc-val-he-7k-32/test_samples_complete.csv');

/** Real H&E patches when ../shared/data has them, else the stain fixtures (same code path either way). */
async function testPatches(): Promise<RgbPixels[]> {
  if (crcLabels) {
    const folder = path.dirname(crcLabels);
    const names = (await readdir(folder)).filter((name) => name.endsWith('.png')).sort();
    return Promise.all(names.map(async (name) => decodeImage(await readFile(path.join(folder, name)))));
  }
  return Promise.all(
    Object.values(stainColours).map(async (colour, seed) => decodeImage(await stainPatchPng(colour, seed))),
  );
}

describe('int8 weight rounding', () => {
  it('rounds symmetrically to [-127, 127] with max |w| / 127 as the scale, ties to even', () => {
    const { quantized, scales } = quantizeInt8Weights(new Float32Array([1, -0.5, 0.25, 0]), 2, 2, { perColumn: false });
    expect(scales[0]).toBeCloseTo(1 / 127, 7);
    expect([...quantized]).toEqual([127, -64, 32, 0]); // -63.5 → -64, 31.75 → 32
  });

  it('keeps one scale per column when asked', () => {
    const { quantized, scales } = quantizeInt8Weights(new Float32Array([2, 0.005, -1.2, 0.02]), 2, 2, {
      perColumn: true,
    });
    expect([...scales].map((scale) => scale * 127)).toEqual([expect.closeTo(2, 6), expect.closeTo(0.02, 6)]);
    expect([...quantized]).toEqual([127, 32, -76, 127]); // 0.005 / (0.02 / 127) = 31.75
  });
});

describe('quantizeDynamic on a Gemm (transB, alpha, beta, bias) and a MatMul', () => {
  it('emits DynamicQuantizeLinear + MatMulInteger that ONNX Runtime runs, close to fp32', async () => {
    const random = seededRandom(7);
    const values = (count: number) => Float32Array.from({ length: count }, () => random() * 2 - 1);
    const graph = new GraphBuilder('gemm_and_matmul');
    graph.addInput('x', 'float32', ['batch', 16]);
    const hidden = graph.addNode(
      'Gemm',
      ['x', graph.addConstant('w1', values(24 * 16), [24, 16]), graph.addConstant('b1', values(24), [24])],
      undefined,
      { transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } },
    );
    graph.addOutput(
      graph.addNode('MatMul', [hidden, graph.addConstant('w2', values(24 * 8), [24, 8])], 'y'),
      'float32',
      ['batch', 8],
    );
    const fp32Bytes = graph.toModelBytes();
    const { modelBytes, quantizedNodeCount, quantizedWeightCount } = quantizeDynamic(fp32Bytes);
    expect([quantizedNodeCount, quantizedWeightCount]).toEqual([2, 2]);
    const decoded = onnx.ModelProto.decode(modelBytes).graph!;
    expect(decoded.node!.map((node) => node.opType)).toContain('MatMulInteger');
    expect(decoded.node!.filter((node) => node.opType === 'DynamicQuantizeLinear')).toHaveLength(2);
    expect(decoded.initializer!.map((tensor) => tensor.name)).not.toContain('w1'); // the fp32 weights are gone
    expect(decoded.initializer!.find((tensor) => tensor.name === 'w2_quantized')!.dataType).toBe(
      onnx.TensorProto.DataType.INT8,
    );

    const input = new Tensor('float32', values(4 * 16), [4, 16]);
    const run = async (bytes: Uint8Array) => {
      const session = await InferenceSession.create(bytes, { intraOpNumThreads: 1 });
      const { y } = await session.run({ x: input });
      await session.release();
      return y!.data as Float32Array;
    };
    const [fp32, int8] = await Promise.all([run(fp32Bytes), run(modelBytes)]);
    expect(modelBytes.byteLength).toBeLessThan(fp32Bytes.byteLength);
    for (let row = 0; row < 4; row += 1)
      expect(cosine(fp32.subarray(row * 8, row * 8 + 8), int8.subarray(row * 8, row * 8 + 8))).toBeGreaterThan(0.995);
  });
});

describe('q8 tiny models, loaded through the same code as fp32', () => {
  const modelsDir = inject('modelsDir');
  let fp32Encoder: ClipImageEncoder;
  let q8Encoder: ClipImageEncoder;
  beforeAll(async () => {
    [fp32Encoder, q8Encoder] = await Promise.all([
      ClipImageEncoder.load({ modelsDir, modelId: 'pathlens/tiny-clip', onnxThreads: 1 }),
      ClipImageEncoder.load({ modelsDir, modelId: 'pathlens/tiny-clip', dtype: 'q8', onnxThreads: 1 }),
    ]);
  });
  afterAll(async () => {
    await fp32Encoder?.dispose();
    await q8Encoder?.dispose();
  });

  it('the q8 tiny CLIP embeds images as its fp32 twin does, within a tolerance', async () => {
    const patches = await testPatches();
    const [fp32, int8] = await Promise.all([fp32Encoder.embedImages(patches), q8Encoder.embedImages(patches)]);
    const agreements = fp32.map((embedding, index) => cosine(embedding, int8[index]!));
    expect(Math.min(...agreements)).toBeGreaterThan(0.99);
    expect(agreements.some((agreement) => agreement < 1 - 1e-6)).toBe(true); // it is really another graph
  });

  it('the q8 tiny CLIP text tower embeds the same words the same way', async () => {
    const options = { modelsDir, modelId: 'pathlens/tiny-clip', onnxThreads: 1 };
    const [fp32, int8] = await Promise.all([
      ClipTextEncoder.load(options),
      ClipTextEncoder.load({ ...options, dtype: 'q8' }),
    ]);
    const texts = ['purple nuclei', 'pink eosinophilic stroma'];
    const [fp32Embeddings, int8Embeddings] = await Promise.all([fp32.embedTexts(texts), int8.embedTexts(texts)]);
    for (const [index, embedding] of fp32Embeddings.entries())
      expect(cosine(embedding, int8Embeddings[index]!)).toBeGreaterThan(0.99);
    await Promise.all([fp32.dispose(), int8.dispose()]);
  });

  it('the q8 tiny chat models generate what their fp32 twins do (greedy)', async () => {
    const cases = [
      { modelId: 'pathlens/tiny-chat', content: 'What does region [1] show?' },
      { modelId: 'pathlens/tiny-vlm', content: 'What is shown?' },
    ];
    for (const { modelId, content } of cases) {
      const texts: string[] = [];
      for (const dtype of ['fp32', 'q8'] as const) {
        const model = await TransformersLanguageModel.load({ modelsDir, modelId, dtype, demo: true });
        try {
          const request = { messages: [{ role: 'user' as const, content }], maxNewTokens: 30, temperature: 0 };
          const { text, finish } = await collectGeneration(model.generate(request));
          expect(finish.completionTokens).toBeGreaterThan(3);
          texts.push(text);
        } finally {
          await model.dispose();
        }
      }
      expect(texts[0]).toMatch(/\[1\]|nuclei|stroma/);
      expect(texts[1]).toBe(texts[0]);
    }
  });

  it('`pathlens models quantize` writes q8 files for a model folder that has only fp32 ones, which then load', async () => {
    const copyDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-int8-cli-'));
    try {
      const folder = path.join(copyDir, 'local', 'clip');
      await cp(path.join(modelsDir, 'pathlens', 'tiny-clip'), folder, { recursive: true });
      for (const name of await readdir(path.join(folder, 'onnx')))
        if (name.endsWith('_quantized.onnx')) await rm(path.join(folder, 'onnx', name));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          path.join(projectRoot, 'apps/cli/bin/pathlens.js'),
          'models',
          'quantize',
          'local/clip',
          '--models-dir',
          copyDir,
        ],
        { env: { ...process.env, DATABASE_URL: '' }, timeout: 120_000 },
      );
      expect(stdout).toContain('onnx/vision_model_quantized.onnx: 2 MatMul/Gemm to int8');
      expect(stdout).toContain('local/clip: 3 int8 file(s)');
      const encoder = await ClipImageEncoder.load({ modelsDir: copyDir, modelId: 'local/clip', dtype: 'q8' });
      const [embedding] = await encoder.embedImages([await decodeImage(await stainPatchPng(stainColours.eosin, 3))]);
      const [reference] = await fp32Encoder.embedImages([
        await decodeImage(await stainPatchPng(stainColours.eosin, 3)),
      ]);
      expect(cosine(embedding!, reference!)).toBeGreaterThan(0.99);
      await encoder.dispose();
    } finally {
      await rm(copyDir, { recursive: true, force: true });
    }
  });

  it('a missing quantized file is a model_not_found error that says how to make it', async () => {
    const copyDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-int8-'));
    try {
      const folder = path.join(copyDir, 'pathlens', 'tiny-clip');
      await cp(path.join(modelsDir, 'pathlens', 'tiny-clip'), folder, { recursive: true });
      await rm(path.join(folder, 'onnx', 'vision_model_quantized.onnx'));
      const error = await pathLensFailure(
        ClipImageEncoder.load({ modelsDir: copyDir, modelId: 'pathlens/tiny-clip', dtype: 'q8' }),
      );
      expect(error.code).toBe('model_not_found');
      expect(error.message).toContain('onnx/vision_model_quantized.onnx');
      expect(error.message).toContain('pathlens models quantize pathlens/tiny-clip');
    } finally {
      await rm(copyDir, { recursive: true, force: true });
    }
  });

  it('ENCODER_DTYPE=q8 picks the quantized files, and asks for `pathlens models quantize` when only fp32 is there', async () => {
    const copyDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-int8-select-'));
    try {
      // The tiny CLIP's real files in the folder of the default (non-generated) encoder.
      const folder = path.join(copyDir, 'Xenova', 'clip-vit-base-patch32');
      await cp(path.join(modelsDir, 'pathlens', 'tiny-clip'), folder, { recursive: true });
      const environment = {
        MODELS_DIR: copyDir,
        ENCODER_DTYPE: 'q8',
        PULL_MODELS: 'false',
        CHAT_PROVIDER: 'openai-compatible',
        CHAT_BASE_URL: 'http://127.0.0.1:9/v1',
      };
      const selected = await selectModels(loadConfig({ environment }), silentLogger);
      expect(selected.imageTextEncoder).toMatchObject({ id: 'Xenova/clip-vit-base-patch32', dtype: 'q8' });
      expect(selected.demoWarning).toBeNull();

      await rm(path.join(folder, 'onnx', 'text_model_quantized.onnx'));
      const error = await pathLensFailure(selectModels(loadConfig({ environment }), silentLogger));
      expect(error.code).toBe('model_not_found');
      expect(error.message).toContain('onnx/text_model_quantized.onnx');
      expect(error.message).toContain('pathlens models quantize Xenova/clip-vit-base-patch32');
      expect(() => loadConfig({ environment: { ENCODER_DTYPE: 'int3' } })).toThrow(/ENCODER_DTYPE/);
    } finally {
      await rm(copyDir, { recursive: true, force: true });
    }
  });

  it('a dtype setting renames the manifest files presence is checked against', async () => {
    const entry = findModelEntry(await loadModelManifest(), 'Xenova/clip-vit-base-patch32');
    expect(entryWithDtype(entry, 'q8').files).toContain('onnx/vision_model_quantized.onnx');
    expect(entryWithDtype(entry, 'q8').files).not.toContain('onnx/vision_model.onnx');
    expect(entryWithDtype(entry, undefined)).toBe(entry);
  });
});

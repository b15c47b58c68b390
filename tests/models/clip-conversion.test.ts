import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { afterEach, describe, expect, it } from 'vitest';
import { PathLensError } from '@pathlens/core';
import { ClipImageEncoder } from '@pathlens/encoders';
import { pullModel, resolveModelFolder, type ModelManifestEntry } from '@pathlens/models';
import {
  convertClipCheckpoint,
  convertedClipFileNames,
} from '../../packages/models/src/convert/convert-clip-checkpoint.ts';
import { sharedDataFile } from '../helpers/shared-data.ts';
import {
  conversionTestsUnavailable,
  runConversion,
  sharedClipTokenizerFolder,
  writeCheckpoint,
  type ConversionRun,
} from './convert/clip-conversion-fixture.ts';

const unavailable = conversionTestsUnavailable();
if (unavailable) console.warn(`[skip] CLIP conversion equivalence tests: ${unavailable}.`);
const sharedInputs =
  sharedDataFile('patches/crc-val-he-7k-32/TUM-TCGA-DRHQMTQA.png') &&
  sharedDataFile('tokenizers/clip-vit-base-patch32/tokenizer.json');
const fullSize = process.env.PATHLENS_FULL_SIZE_TESTS === '1';

/** Converted embeddings must match the independent PyTorch forward pass on real patches and captions. */
const minimumCosine = 0.9999;

function expectMatch(run: ConversionRun): void {
  console.log(
    `${run.format}: image cosines ${run.imageCosines.map((value) => value.toFixed(6)).join(' ')}, text cosines ${run.textCosines.map((value) => value.toFixed(6)).join(' ')}, largest cross-input cosine ${run.largestCrossCosine.toFixed(3)}`,
  );
  for (const value of [...run.imageCosines, ...run.textCosines]) expect(value).toBeGreaterThanOrEqual(minimumCosine);
  // Different patches and captions give different embeddings, so a match above is not a degenerate constant.
  expect(run.largestCrossCosine).toBeLessThan(0.999);
}

describe.skipIf(Boolean(unavailable) || !sharedInputs)(
  'pathlens models convert: random-weight checkpoints match a PyTorch reference',
  () => {
    const runs: ConversionRun[] = [];
    afterEach(async () => {
      for (const run of runs.splice(0)) await fs.rm(run.workDir, { recursive: true, force: true });
    });
    const convert = async (options: Parameters<typeof runConversion>[0]) => {
      const run = await runConversion(options);
      runs.push(run);
      return run;
    };

    it('converts a Hugging Face CLIPModel checkpoint (config.json + model.safetensors, as vinid/plip)', async () => {
      const run = await convert({ format: 'huggingface' });
      expect(run.format).toBe('huggingface');
      expectMatch(run);
    });

    it('converts an open_clip checkpoint with exact GELU (open_clip_config.json + open_clip_model.safetensors)', async () => {
      const run = await convert({ format: 'open_clip', exactGelu: true });
      expect(run.format).toBe('open_clip');
      expectMatch(run);
    });

    it('converts PyTorch pickle checkpoints (open_clip_pytorch_model.bin, as QuiltNet-B-32 ships; pytorch_model.bin)', async () => {
      const openClip = await convert({ format: 'open_clip', bin: true });
      expectMatch(openClip);
      const huggingFace = await convert({ format: 'huggingface', bin: true });
      expectMatch(huggingFace);
    }, 180_000);

    it.skipIf(!fullSize)(
      'converts a full-size ViT-B/32 open_clip checkpoint with quick GELU (QuiltNet-B-32 dimensions; PATHLENS_FULL_SIZE_TESTS=1)',
      async () => {
        const run = await convert({ format: 'open_clip', size: 'vit-b32' });
        expectMatch(run);
      },
      600_000,
    );

    it.skipIf(!fullSize)(
      'converts a full-size ViT-B/32 Hugging Face checkpoint (vinid/plip dimensions; PATHLENS_FULL_SIZE_TESTS=1)',
      async () => {
        const run = await convert({ format: 'huggingface', size: 'vit-b32' });
        expectMatch(run);
      },
      600_000,
    );
  },
);

describe.skipIf(Boolean(unavailable) || !sharedInputs)('pathlens models pull: a converted manifest entry', () => {
  it('downloads the PyTorch checkpoint and the tokenizer from a hub, converts them, and the encoder loads the result', async () => {
    const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pathlens-pull-convert-'));
    const hubFolders: Record<string, string> = {
      'test/plip-like': path.join(workDir, 'hub'),
      'Xenova/clip-vit-base-patch32': sharedClipTokenizerFolder,
    };
    await writeCheckpoint({ format: 'huggingface' }, workDir, hubFolders['test/plip-like']!);
    // A loopback stand-in for the hub: `/<repository>/resolve/main/<file>`.
    const server = http.createServer(async (request, response) => {
      const match = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(request.url ?? '');
      const folder = match ? hubFolders[match[1]!] : undefined;
      const body = folder
        ? await fs.readFile(path.join(folder, decodeURIComponent(match![2]!))).catch(() => undefined)
        : undefined;
      if (!body) return void response.writeHead(404).end('not found');
      response.writeHead(200, { 'content-length': String(body.length) }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const entry: ModelManifestEntry = {
      id: 'test/plip-like',
      task: 'image-text-encoder',
      source: {
        kind: 'converted',
        repository: 'test/plip-like',
        checkpointFiles: ['config.json', 'model.safetensors'],
        tokenizerRepository: 'Xenova/clip-vit-base-patch32',
      },
      embeddingDimension: 32,
      inputSizePx: 224,
      dtype: 'fp32',
      files: [...convertedClipFileNames],
      description: 'test',
      demo: false,
    };
    try {
      const modelsDir = path.join(workDir, 'models');
      const result = await pullModel({
        modelsDir,
        entry,
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      });
      expect(result.downloadedFiles).toEqual([
        'config.json',
        'model.safetensors',
        'tokenizer.json',
        'tokenizer_config.json',
      ]);
      expect((await resolveModelFolder(modelsDir, entry)).present).toBe(true);
      const encoder = await ClipImageEncoder.load({ modelsDir, modelId: entry.id });
      expect(encoder.embeddingDimension).toBe(32);
      await encoder.dispose();
    } finally {
      server.close();
      await fs.rm(workDir, { recursive: true, force: true });
    }
  });
});

describe('pathlens models convert: bad input', () => {
  const workDir = path.join(process.cwd(), '.tmp', 'convert-bad-input');
  afterEach(async () => fs.rm(workDir, { recursive: true, force: true }));

  it('says what a checkpoint folder must hold', async () => {
    await fs.mkdir(workDir, { recursive: true });
    await fs.writeFile(
      path.join(workDir, 'tokenizer.json'),
      JSON.stringify({ added_tokens: [{ id: 49407, content: '<|endoftext|>' }] }),
    );
    const failure = await convertClipCheckpoint({
      checkpointFolder: workDir,
      outputFolder: path.join(workDir, 'out'),
      modelId: 'test/empty',
    }).catch((error) => error);
    expect(failure).toBeInstanceOf(PathLensError);
    expect(failure.code).toBe('invalid_request');
    expect(failure.message).toMatch(/model\.safetensors.*open_clip_config\.json/);
    await expect(fs.stat(path.join(workDir, 'out'))).rejects.toThrow();
  });

  it('refuses a pickle that calls anything but tensor rebuilding, before running it', async () => {
    await fs.mkdir(workDir, { recursive: true });
    await fs.writeFile(
      path.join(workDir, 'tokenizer.json'),
      JSON.stringify({ added_tokens: [{ id: 49407, content: '<|endoftext|>' }] }),
    );
    await fs.writeFile(path.join(workDir, 'open_clip_config.json'), JSON.stringify({ model_cfg: { embed_dim: 512 } }));
    const zip = new AdmZip();
    // pickle protocol 2: os.system('true')
    zip.addFile(
      'archive/data.pkl',
      Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from('cos\nsystem\nX\x04\x00\x00\x00true\x85R.', 'latin1')]),
    );
    zip.writeZip(path.join(workDir, 'open_clip_pytorch_model.bin'));
    const failure = await convertClipCheckpoint({
      checkpointFolder: workDir,
      outputFolder: path.join(workDir, 'out'),
      modelId: 'test/evil',
    }).catch((error) => error);
    expect(failure.code).toBe('unsupported_format');
    expect(failure.message).toMatch(/os\.system.*safetensors/);
  });

  it('refuses a CoCa open_clip config (the CONCH architecture) and says why', async () => {
    await fs.mkdir(workDir, { recursive: true });
    await fs.writeFile(
      path.join(workDir, 'tokenizer.json'),
      JSON.stringify({ added_tokens: [{ id: 49407, content: '<|endoftext|>' }] }),
    );
    await fs.writeFile(
      path.join(workDir, 'open_clip_config.json'),
      JSON.stringify({ model_cfg: { embed_dim: 512, multimodal_cfg: { width: 512 } } }),
    );
    await fs.writeFile(
      path.join(workDir, 'open_clip_model.safetensors'),
      Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]),
    );
    const failure = await convertClipCheckpoint({
      checkpointFolder: workDir,
      outputFolder: path.join(workDir, 'out'),
      modelId: 'test/coca',
    }).catch((error) => error);
    expect(failure.code).toBe('unsupported_format');
    expect(failure.message).toMatch(/CoCa/);
  });
});

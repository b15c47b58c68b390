import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PathLensError } from '@pathlens/core';
import { convertClipCheckpoint } from '../../packages/models/src/convert/convert-clip-checkpoint.ts';
import { sharedDataFile } from '../helpers/shared-data.ts';
import { conversionTestsUnavailable, runConversion, type ConversionRun } from './convert/clip-conversion-fixture.ts';

const unavailable = conversionTestsUnavailable();
if (unavailable) console.warn(`[skip] CLIP conversion equivalence tests: ${unavailable}.`);
const sharedInputs = sharedDataFile('patches/crc-val-he-7k-32/TUM-TCGA-DRHQMTQA.png') && sharedDataFile('tokenizers/clip-vit-base-patch32/tokenizer.json');
const fullSize = process.env.PATHLENS_FULL_SIZE_TESTS === '1';

/** Converted embeddings must match the independent PyTorch forward pass on real patches and captions. */
const minimumCosine = 0.9999;

function expectMatch(run: ConversionRun): void {
  console.log(`${run.format}: image cosines ${run.imageCosines.map((value) => value.toFixed(6)).join(' ')}, text cosines ${run.textCosines.map((value) => value.toFixed(6)).join(' ')}, largest cross-input cosine ${run.largestCrossCosine.toFixed(3)}`);
  for (const value of [...run.imageCosines, ...run.textCosines]) expect(value).toBeGreaterThanOrEqual(minimumCosine);
  // Different patches and captions give different embeddings, so a match above is not a degenerate constant.
  expect(run.largestCrossCosine).toBeLessThan(0.999);
}

describe.skipIf(Boolean(unavailable) || !sharedInputs)('pathlens models convert: random-weight checkpoints match a PyTorch reference', () => {
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

  it.skipIf(!fullSize)('converts a full-size ViT-B/32 open_clip checkpoint with quick GELU (QuiltNet-B-32 dimensions; PATHLENS_FULL_SIZE_TESTS=1)', async () => {
    const run = await convert({ format: 'open_clip', size: 'vit-b32' });
    expectMatch(run);
  }, 600_000);

  it.skipIf(!fullSize)('converts a full-size ViT-B/32 Hugging Face checkpoint (vinid/plip dimensions; PATHLENS_FULL_SIZE_TESTS=1)', async () => {
    const run = await convert({ format: 'huggingface', size: 'vit-b32' });
    expectMatch(run);
  }, 600_000);
});

describe('pathlens models convert: bad input', () => {
  const workDir = path.join(process.cwd(), '.tmp', 'convert-bad-input');
  afterEach(async () => fs.rm(workDir, { recursive: true, force: true }));

  it('says what a checkpoint folder must hold', async () => {
    await fs.mkdir(workDir, { recursive: true });
    await fs.writeFile(path.join(workDir, 'tokenizer.json'), JSON.stringify({ added_tokens: [{ id: 49407, content: '<|endoftext|>' }] }));
    const failure = await convertClipCheckpoint({ checkpointFolder: workDir, outputFolder: path.join(workDir, 'out'), modelId: 'test/empty' }).catch((error) => error);
    expect(failure).toBeInstanceOf(PathLensError);
    expect(failure.code).toBe('invalid_request');
    expect(failure.message).toMatch(/model\.safetensors.*open_clip_config\.json/);
    await expect(fs.stat(path.join(workDir, 'out'))).rejects.toThrow();
  });

  it('refuses a CoCa open_clip config (the CONCH architecture) and says why', async () => {
    await fs.mkdir(workDir, { recursive: true });
    await fs.writeFile(path.join(workDir, 'tokenizer.json'), JSON.stringify({ added_tokens: [{ id: 49407, content: '<|endoftext|>' }] }));
    await fs.writeFile(path.join(workDir, 'open_clip_config.json'), JSON.stringify({ model_cfg: { embed_dim: 512, multimodal_cfg: { width: 512 } } }));
    await fs.writeFile(path.join(workDir, 'open_clip_model.safetensors'), Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]));
    const failure = await convertClipCheckpoint({ checkpointFolder: workDir, outputFolder: path.join(workDir, 'out'), modelId: 'test/coca' }).catch((error) => error);
    expect(failure.code).toBe('unsupported_format');
    expect(failure.message).toMatch(/CoCa/);
  });
});

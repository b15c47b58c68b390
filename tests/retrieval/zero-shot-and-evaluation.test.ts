import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClipImageEncoder, ClipTextEncoder, decodeImage } from '@pathlens/encoders';
import {
  classifyEmbeddings,
  classifyImages,
  embedLabelSet,
  evaluateRetrieval,
  evaluateZeroShot,
  LabelSetCatalog,
  listLabelledImages,
  parseLabelSet,
} from '@pathlens/retrieval';
import { sharedDataFile } from '../helpers/shared-data.ts';
import {
  componentPatchPng,
  tissueComponentColours,
  writeComponentFolder,
  writeComponentPairs,
  type TissueComponent,
} from './stain-class-fixtures.ts';

const crcFolder = sharedDataFile('patches/crc-val-he-7k-32/test_samples_complete.csv')
  ? path.dirname(sharedDataFile('patches/crc-val-he-7k-32/test_samples_complete.csv')!)
  : undefined;

describe('zero-shot classification and evaluation with the tiny CLIP', () => {
  let imageEncoder: ClipImageEncoder;
  let textEncoder: ClipTextEncoder;
  let catalog: LabelSetCatalog;
  let directory: string;

  beforeAll(async () => {
    const options = { modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' };
    [imageEncoder, textEncoder, catalog] = await Promise.all([
      ClipImageEncoder.load(options),
      ClipTextEncoder.load(options),
      LabelSetCatalog.load(),
    ]);
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-zero-shot-'));
  });
  afterAll(async () => {
    await Promise.all([imageEncoder?.dispose(), textEncoder?.dispose()]);
    await rm(directory, { recursive: true, force: true });
  });

  it('averages normalised prompt embeddings into one unit vector per class', async () => {
    const labelSet = catalog.get('crc-tissue-types');
    const classifier = await embedLabelSet(textEncoder, labelSet);
    expect(classifier.classEmbeddings).toHaveLength(8);
    for (const embedding of classifier.classEmbeddings) expect(Math.hypot(...embedding)).toBeCloseTo(1, 5);
    // cached: the same object for the same encoder and label set
    expect(await embedLabelSet(textEncoder, labelSet)).toBe(classifier);
    // one class of one prompt equals that prompt's own embedding
    const single = parseLabelSet(
      {
        id: 'single',
        name: 'x',
        classes: [
          { id: 'a', name: 'a', prompts: ['purple nuclei'] },
          { id: 'b', name: 'b', prompts: ['pink stroma'] },
        ],
      },
      { origin: 'test', builtIn: false, code: 'invalid_request' },
    );
    const [direct] = await textEncoder.embedTexts(['purple nuclei']);
    expect(Array.from((await embedLabelSet(textEncoder, single)).classEmbeddings[0]!)).toEqual(
      Array.from(direct!).map((value) => expect.closeTo(value, 5)),
    );
  });

  it('classifies each stain-coloured image as its tissue component, with probabilities that sum to 1', async () => {
    const components = Object.keys(tissueComponentColours) as TissueComponent[];
    const images = await Promise.all(
      components.map(async (component) => decodeImage(await componentPatchPng(component, 1))),
    );
    const predictions = await classifyImages({ imageEncoder, textEncoder }, images, catalog.get('tissue-components'));
    expect(predictions.map((prediction) => prediction.predicted.id)).toEqual(components);
    for (const prediction of predictions) {
      expect(prediction.classes.reduce((sum, entry) => sum + entry.probability, 0)).toBeCloseTo(1, 10);
      expect(prediction.logitScale).toBe(100);
      expect(prediction.predicted.similarity).toBeGreaterThan(0.5);
    }
  });

  it('takes the logit scale from the label set, else the configured default', async () => {
    const [embedding] = await imageEncoder.embedImages([await decodeImage(await componentPatchPng('cellular', 0))]);
    const classifier = await embedLabelSet(textEncoder, catalog.get('tissue-components'));
    const sharp = classifyEmbeddings([embedding!], classifier)[0]!;
    const soft = classifyEmbeddings([embedding!], classifier, { defaultLogitScale: 1 })[0]!;
    expect(soft.logitScale).toBe(1);
    expect(soft.predicted.id).toBe('cellular');
    expect(soft.predicted.probability).toBeLessThan(sharp.predicted.probability);
    expect(soft.predicted.similarity).toBeCloseTo(sharp.predicted.similarity, 10);
    const scaled = parseLabelSet(
      {
        id: 'scaled',
        name: 's',
        logit_scale: 10,
        templates: ['{class}'],
        classes: [
          { id: 'n', name: 'nuclei' },
          { id: 's', name: 'stroma' },
        ],
      },
      { origin: 'test', builtIn: false, code: 'invalid_request' },
    );
    expect(
      classifyEmbeddings([embedding!], await embedLabelSet(textEncoder, scaled), { defaultLogitScale: 1 })[0]!
        .logitScale,
    ).toBe(10);
  });

  it('evaluates zero-shot on a colour-separable folder clearly better than chance', async () => {
    const folder = path.join(directory, 'components');
    const written = await writeComponentFolder(folder, 3);
    const { images } = await listLabelledImages(folder);
    expect(images).toHaveLength(written);
    expect(new Set(images.map((image) => image.label))).toEqual(new Set(Object.keys(tissueComponentColours)));
    const result = await evaluateZeroShot({ imageEncoder, textEncoder }, images, catalog.get('tissue-components'));
    expect(result.count).toBe(15);
    expect(result.chanceBalancedAccuracy).toBeCloseTo(0.2, 10);
    expect(result.balancedAccuracy).toBeGreaterThanOrEqual(0.8);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.8);
    expect(result.weightedF1).toBeGreaterThanOrEqual(0.8);
    expect(result.confusionMatrix.flat().reduce((sum, value) => sum + value, 0)).toBe(15);
  });

  it('refuses data labels the label set has no class for, naming them', async () => {
    const { images } = await listLabelledImages(path.join(directory, 'components'));
    await expect(
      evaluateZeroShot({ imageEncoder, textEncoder }, images, catalog.get('crc-tissue-types')),
    ).rejects.toThrow(/no class for: .*cellular.*Its class ids: ADI, DEB/);
  });

  it('evaluates retrieval both ways from JSONL and CSV, reporting broken rows', async () => {
    const { jsonl, csv, pairCount } = await writeComponentPairs(path.join(directory, 'pairs'));
    for (const file of [jsonl, csv]) {
      const result = await evaluateRetrieval({ imageEncoder, textEncoder }, file, { cutoffs: [1, 2, 5, 10] });
      expect(result.count).toBe(pairCount);
      // two pairs per colour: the right caption is always within the top 2 (chance for top 2: 0.2)
      expect(result.imageToText.recallAt[2]).toBe(1);
      expect(result.textToImage.recallAt[2]).toBe(1);
      expect(result.imageToText.medianRank).toBeLessThanOrEqual(2);
      expect(result.imageToText.recallAt[10]).toBe(1);
      expect(result.rejected.map((row) => row.reason).join('\n')).toMatch(/no image file at .*missing\.png/);
    }
    expect(
      (await evaluateRetrieval({ imageEncoder, textEncoder }, jsonl)).rejected.some((row) =>
        /not JSON/.test(row.reason),
      ),
    ).toBe(true);
  });

  it('reads a CSV of path,label whose first path column is stale (CRC test_samples style)', async () => {
    const folder = path.join(directory, 'csv-labels');
    await writeComponentFolder(folder, 1);
    const csv = path.join(folder, 'labels.csv');
    const rows = Object.keys(tissueComponentColours).map(
      (component) => `${component}/0.png,${component},['./elsewhere/${component}.png']`,
    );
    await writeFile(csv, ['fname,label,path', ...rows, 'nothing.png,blood,nothing.png'].join('\n'));
    const { images, rejected } = await listLabelledImages(csv);
    expect(images.map((image) => image.label)).toEqual(Object.keys(tissueComponentColours));
    expect(rejected).toEqual([{ line: 7, reason: expect.stringMatching(/no image file at .*nothing\.png/) }]);
  });

  describe.skipIf(!crcFolder)('on the real CRC-VAL-HE-7K patches (no accuracy claim with the tiny model)', () => {
    it('gives a valid 8×8 confusion matrix from the folder and from the CSV', async () => {
      for (const source of [crcFolder!, path.join(crcFolder!, 'test_samples_complete.csv')]) {
        const { images, rejected } = await listLabelledImages(source);
        expect(rejected).toEqual([]);
        expect(images).toHaveLength(32);
        const result = await evaluateZeroShot({ imageEncoder, textEncoder }, images, catalog.get('crc-tissue-types'));
        expect(result.labels).toEqual(['ADI', 'DEB', 'LYM', 'MUC', 'MUS', 'NORM', 'STR', 'TUM']);
        expect(result.confusionMatrix).toHaveLength(8);
        expect(
          result.confusionMatrix.every((row) => row.length === 8 && row.reduce((sum, value) => sum + value, 0) === 4),
        ).toBe(true);
        expect(result.accuracy).toBeGreaterThanOrEqual(0);
        expect(result.accuracy).toBeLessThanOrEqual(1);
        expect(result.unreadable).toEqual([]);
      }
    });
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot, sharedDataFile } from '../helpers/shared-data.ts';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer, waitForSlide } from '../helpers/test-server.ts';
import { componentPatchPng, writeComponentFolder, writeComponentPairs } from '../retrieval/stain-class-fixtures.ts';

const run = promisify(execFile);
const crcCsv = sharedDataFile('patches/crc-val-he-7k-32/test_samples_complete.csv');

describe('pathlens eval, search, heatmap and classify on the command line', () => {
  let directory: string;
  const modelFlags = () => ['--models-dir', inject('modelsDir'), '--image-text-encoder', 'pathlens/tiny-clip'];
  const pathlens = (...args: string[]) =>
    run(process.execPath, [path.join(projectRoot, 'apps/cli/bin/pathlens.js'), ...args], {
      cwd: directory,
      env: { ...process.env, DATABASE_URL: '' },
      timeout: 300_000,
    });
  const failure = (...args: string[]) =>
    pathlens(...args).then(
      () => {
        throw new Error('expected the command to fail');
      },
      (error: { code: number; stderr: string }) => error,
    );

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-eval-cli-'));
  });
  afterAll(async () => rm(directory, { recursive: true, force: true }));

  describe('eval (in memory, no server or database)', () => {
    it('eval retrieval prints Recall@K and median rank both ways and writes JSON', async () => {
      const { jsonl, pairCount } = await writeComponentPairs(path.join(directory, 'pairs'));
      const out = path.join(directory, 'reports', 'retrieval.json');
      const { stdout } = await pathlens('eval', 'retrieval', '--pairs', jsonl, '--out', out, ...modelFlags());
      expect(stdout).toMatch(/Retrieval on pairs\.jsonl: 10 pairs, model pathlens\/tiny-clip \(DEMO model/);
      expect(stdout).toMatch(/direction\s+R@1\s+R@5\s+R@10\s+R@50\s+median rank\s+mean rank/);
      expect(stdout).toMatch(/image → text\s+\d\.\d{3}\s+1\.000/);
      expect(stdout).toMatch(/line 11: no image file at .*missing\.png/);
      const report = JSON.parse(await readFile(out, 'utf8'));
      expect(report).toMatchObject({ evaluation: 'retrieval', count: pairCount, cutoffs: [1, 5, 10, 50] });
      // colour-separable pairs, two per colour: far better than chance (R@1 chance 0.1, R@5 chance 0.5)
      expect(report.imageToText.recallAt['5']).toBe(1);
      expect(report.textToImage.recallAt['5']).toBe(1);
      expect(report.imageToText.recallAt['1']).toBeGreaterThanOrEqual(0.3);
      expect(report.imageToText.medianRank).toBeLessThanOrEqual(2);
    });

    it('eval zeroshot prints accuracy, balanced accuracy, weighted F1 and the confusion matrix; clearly above chance on stain colours', async () => {
      const folder = path.join(directory, 'components');
      await writeComponentFolder(folder, 2);
      const out = path.join(directory, 'zero-shot.json');
      const { stdout } = await pathlens(
        'eval',
        'zeroshot',
        '--labels',
        'tissue-components',
        '--images',
        folder,
        '--out',
        out,
        ...modelFlags(),
      );
      expect(stdout).toMatch(/Zero-shot tissue-components on .*: 10 images/);
      expect(stdout).toMatch(/balanced accuracy\s+\d\.\d{3}/);
      expect(stdout).toMatch(/weighted F1\s+\d\.\d{3}/);
      expect(stdout).toMatch(
        /confusion matrix \(rows: true class, columns: predicted\)\n\s+cellular\s+stroma\s+blood\s+adipose\s+background/,
      );
      const report = JSON.parse(await readFile(out, 'utf8'));
      expect(report.balancedAccuracy).toBeGreaterThanOrEqual(0.8);
      expect(report.balancedAccuracy).toBeGreaterThan(report.chanceBalancedAccuracy * 3);
      expect(report.samples).toHaveLength(10);
    });

    it('eval zeroshot reads a label-set file and names data labels it lacks; eval refuses a model that is not there', async () => {
      const labels = path.join(directory, 'two-colours.json');
      await writeFile(
        labels,
        JSON.stringify({
          id: 'two-colours',
          name: 'Two colours',
          templates: ['{class}'],
          classes: [
            { id: 'cellular', name: 'purple nuclei' },
            { id: 'stroma', name: 'pink stroma' },
          ],
        }),
      );
      const folder = path.join(directory, 'two');
      await writeComponentFolder(folder, 1);
      await rm(path.join(folder, 'blood'), { recursive: true });
      const unknownLabels = await failure('eval', 'zeroshot', '--labels', labels, '--images', folder, ...modelFlags());
      expect(unknownLabels.stderr).toMatch(/no class for: adipose, background/);
      const missingModel = await failure(
        'eval',
        'retrieval',
        '--pairs',
        path.join(directory, 'pairs', 'pairs.csv'),
        '--models-dir',
        path.join(directory, 'no-models'),
      );
      expect(missingModel.stderr).toMatch(/Xenova\/clip-vit-base-patch32 is not in .*pathlens models pull/);
    });

    it.skipIf(!crcCsv)(
      'eval zeroshot runs on the real CRC patches and gives a valid 8×8 confusion matrix (no accuracy claim)',
      async () => {
        const out = path.join(directory, 'crc.json');
        const { stdout } = await pathlens(
          'eval',
          'zeroshot',
          '--labels',
          'crc-tissue-types',
          '--images',
          path.dirname(crcCsv!),
          '--out',
          out,
          ...modelFlags(),
        );
        expect(stdout).toMatch(/: 32 images/);
        const report = JSON.parse(await readFile(out, 'utf8'));
        expect(report.labels).toEqual(['ADI', 'DEB', 'LYM', 'MUC', 'MUS', 'NORM', 'STR', 'TUM']);
        expect(report.confusionMatrix.map((row: number[]) => row.reduce((sum, value) => sum + value, 0))).toEqual([
          4, 4, 4, 4, 4, 4, 4, 4,
        ]);
      },
    );
  });

  describe('against a running server', () => {
    let test: Awaited<ReturnType<typeof startTestServer>>;
    let slideId: string;
    let purpleSlideId: string;
    const withServer = (...args: string[]) => pathlens(...args, '--server', test.server.url);

    beforeAll(async () => {
      test = await startTestServer();
      const ingest = async (file: string) => {
        const form = new FormData();
        form.append('file', new Blob([new Uint8Array(await readFile(file))]), path.basename(file));
        form.append('tile_at_level0', 'true');
        const { id } = (await (await fetch(`${test.server.url}/v1/slides`, { method: 'POST', body: form })).json()) as {
          id: string;
        };
        expect((await waitForSlide(test.server.url, id)).status).toBe('ready');
        return id;
      };
      await writeTwoStainSlide(path.join(directory, 'two-stain.png'));
      slideId = await ingest(path.join(directory, 'two-stain.png'));
      await sharp({ create: { width: 448, height: 448, channels: 3, background: { r: 89, g: 64, b: 153 } } })
        .png()
        .toFile(path.join(directory, 'purple.png'));
      purpleSlideId = await ingest(path.join(directory, 'purple.png'));
      for (const [component, caption, organ] of [
        ['cellular', 'sheets of purple nuclei', 'colon'],
        ['stroma', 'pink collagen stroma', 'breast'],
      ] as const) {
        const image = `data:image/png;base64,${(await componentPatchPng(component, 0)).toString('base64')}`;
        const response = await fetch(`${test.server.url}/v1/pairs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ image, caption, metadata: { organ } }),
        });
        expect(response.status).toBe(201);
      }
      await writeFile(path.join(directory, 'query-pink.png'), await componentPatchPng('stroma', 5));
    }, 420_000);
    afterAll(async () => test?.dispose());

    it('searches in every direction', async () => {
      const paged = await withServer('search', 'purple nuclei', '-k', '2', '--kind', 'patch', '--slide', slideId);
      expect(paged.stdout).toMatch(
        /^\s+1\s+\d\.\d{3}\s+patch\s+two-stain\.png at \((0|224|448|672), \d+\) level 0\s+\[patch \d+\]\n\s+2\s/m,
      );
      expect(paged.stdout).toMatch(/more: --offset 2/);
      const firstPatchId = /\[patch (\d+)\]/.exec(paged.stdout)![1]!;

      expect((await withServer('search', '--image', 'query-pink.png', '-k', '1')).stdout).toMatch(
        /pair\s+"pink collagen stroma"/,
      );
      const fromPatch = JSON.parse(
        (
          await withServer(
            'search',
            '--patch',
            firstPatchId,
            '--target',
            'images',
            '--kind',
            'patch',
            '-k',
            '5',
            '--json',
          )
        ).stdout,
      );
      expect(fromPatch.direction).toBe('image-to-image');
      expect(fromPatch.data.map((hit: { id: string }) => hit.id)).not.toContain(firstPatchId);
      expect(
        fromPatch.data.every(
          (hit: { slide_id: string; x_level0: number }) => hit.slide_id === purpleSlideId || hit.x_level0 < 896,
        ),
      ).toBe(true);
      expect((await withServer('search', 'pink', '--captions', '--organ', 'breast', '-k', '1')).stdout).toMatch(
        /"pink collagen stroma"/,
      );
      expect((await withServer('search', '--similar-slides', purpleSlideId)).stdout).toMatch(
        /two-stain\.png\s+\[slide /,
      );
    });

    it('draws a heatmap PNG and classifies a slide', async () => {
      const png = path.join(directory, 'heatmap.png');
      expect((await withServer('heatmap', slideId, 'purple nuclei', '--png', png, '--max-size', '512')).stdout).toMatch(
        /heatmap\.png: 512×192 px/,
      );
      const { info, data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect(info).toMatchObject({ width: 512, height: 192, channels: 4 });
      expect(data[(10 * 512 + 100) * 4 + 3]!).toBeGreaterThan(data[(10 * 512 + 400) * 4 + 3]!);
      const classified = await withServer(
        'classify',
        '--labels',
        'tissue-components',
        '--slide',
        purpleSlideId,
        '--method',
        'patch-votes',
      );
      expect(classified.stdout).toMatch(
        /tissue-components \(patch-votes\):\n\s+1\.000\s+cellular\s+densely packed nuclei\s+\(4 patches\)/,
      );
    });
  });
});

/**
 * Region-read timings per reader: a 224² level-0 patch grid read in raster order (the way
 * ingestion reads), on the generated fixtures (same synthetic 2990×1990 slide in every format)
 * and on the real SVS in ../shared/data/wsi when present. Prints one line per reader and file.
 *
 *   npx tsx packages/slide-reader/bench/region-read-timings.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSlide, type OpenSlideOptions } from '../src/index.ts';
import { loadOpenSlide } from '../src/openslide/openslide-library.ts';
import * as dicomFixtures from '../../../tests/fixtures/dicom-fixtures.ts';
import * as fixtures from '../../../tests/fixtures/make-slide-fixtures.ts';
import * as vendorFixtures from '../../../tests/fixtures/vendor-tiff-fixtures.ts';
import { sharedDataFile } from '../../../tests/helpers/shared-data.ts';

const patchSizePx = 224;
const directory = await mkdtemp(path.join(tmpdir(), 'pathlens-region-bench-'));
try {
  const cases: Array<{ name: string; path: string; options?: OpenSlideOptions }> = [
    { name: 'pyramidal TIFF (sharp)', path: await fixtures.writePyramidalTiff(directory) },
    { name: 'Aperio-like SVS (sharp)', path: await fixtures.writeSvsLikeTiff(directory) },
    { name: 'OME-TIFF SubIFDs (sharp)', path: await vendorFixtures.writeOmeTiff(directory) },
    {
      name: 'DICOM TILED_FULL JPEG (dicom)',
      path: (
        await dicomFixtures.writeDicomWsi(directory, { name: 'full', organisation: 'TILED_FULL', encoding: 'jpeg' })
      ).directory,
    },
    {
      name: 'DICOM TILED_SPARSE JPEG (dicom)',
      path: (
        await dicomFixtures.writeDicomWsi(directory, {
          name: 'sparse',
          organisation: 'TILED_SPARSE',
          encoding: 'jpeg',
          splitFragments: true,
        })
      ).directory,
    },
    {
      name: 'DICOM uncompressed (dicom)',
      path: (
        await dicomFixtures.writeDicomWsi(directory, {
          name: 'native',
          organisation: 'TILED_FULL',
          encoding: 'explicit-native',
        })
      ).directory,
    },
  ];
  if (loadOpenSlide())
    cases.push({ name: 'Aperio-like SVS (openslide)', path: cases[1]!.path, options: { reader: 'openslide' } });
  const realSvs = sharedDataFile('wsi/CMU-1-Small-Region.svs');
  if (realSvs) {
    cases.push({ name: 'CMU-1-Small-Region.svs (sharp)', path: realSvs });
    if (loadOpenSlide())
      cases.push({ name: 'CMU-1-Small-Region.svs (openslide)', path: realSvs, options: { reader: 'openslide' } });
  }

  for (const testCase of cases) {
    const slide = await openSlide(testCase.path, testCase.options);
    const { widthPx, heightPx } = slide.properties.levels[0]!;
    await slide.readRegion({ level: 0, xLevel0: 0, yLevel0: 0, widthPx: patchSizePx, heightPx: patchSizePx });
    const started = performance.now();
    let count = 0;
    for (let y = 0; y + patchSizePx <= heightPx; y += patchSizePx) {
      for (let x = 0; x + patchSizePx <= widthPx; x += patchSizePx) {
        await slide.readRegion({ level: 0, xLevel0: x, yLevel0: y, widthPx: patchSizePx, heightPx: patchSizePx });
        count++;
      }
    }
    const perRegionMs = (performance.now() - started) / count;
    const thumbnailStarted = performance.now();
    await slide.readThumbnail(512);
    const thumbnailMs = performance.now() - thumbnailStarted;
    console.log(
      `${testCase.name.padEnd(40)} ${count} regions of ${patchSizePx}²: ${perRegionMs.toFixed(2)} ms each; 512-px thumbnail ${thumbnailMs.toFixed(1)} ms`,
    );
    await slide.close();
  }
} finally {
  await rm(directory, { recursive: true, force: true });
}

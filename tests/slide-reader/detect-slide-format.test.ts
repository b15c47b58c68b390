import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectSlideFormat } from '@pathlens/slide-reader';
import { sharedDataFile } from '../helpers/shared-data.ts';
import * as dicomFixtures from '../fixtures/dicom-fixtures.ts';
import * as fixtures from '../fixtures/make-slide-fixtures.ts';
import * as vendorFixtures from '../fixtures/vendor-tiff-fixtures.ts';

const directory = await mkdtemp(path.join(tmpdir(), 'pathlens-detect-'));
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('detectSlideFormat', () => {
  it('tells formats apart by their bytes and tags, not their file names', async () => {
    // Each fixture is saved under a misleading name.
    expect(await detectSlideFormat(await fixtures.writePyramidalTiff(directory, 'pyramid.svs'))).toBe('pyramidal-tiff');
    expect(await detectSlideFormat(await fixtures.writePyramidalBigTiff(directory))).toBe('pyramidal-tiff');
    expect(await detectSlideFormat(await fixtures.writeSvsLikeTiff(directory, 'scan.tif'))).toBe('aperio-svs');
    expect(await detectSlideFormat(await fixtures.writePlainTiff(directory))).toBe('tiff');
    expect(await detectSlideFormat(await fixtures.writePng(directory, 'image.jpg'))).toBe('png');
    expect(await detectSlideFormat(await fixtures.writeJpeg(directory))).toBe('jpeg');
    expect(await detectSlideFormat(await vendorFixtures.writeOmeTiff(directory, 'slide.svs'))).toBe('ome-tiff');
    expect(await detectSlideFormat(await vendorFixtures.writeNdpiLikeTiff(directory, 'slide.ome.tif'))).toBe(
      'hamamatsu-ndpi',
    );
    const dicom = await dicomFixtures.writeDicomWsi(directory, {
      name: 'dicom',
      organisation: 'TILED_FULL',
      encoding: 'jpeg',
      levelCount: 1,
      bareNames: true,
    });
    expect(await detectSlideFormat(dicom.levelFiles[0]!)).toBe('dicom-wsi');
    expect(await detectSlideFormat(dicom.directory)).toBe('dicom-wsi');
  });

  const realSvs = sharedDataFile('wsi/CMU-1-Small-Region.svs');
  it.skipIf(!realSvs)('recognises a real Aperio SVS', async () => {
    expect(await detectSlideFormat(realSvs!)).toBe('aperio-svs');
  });
});

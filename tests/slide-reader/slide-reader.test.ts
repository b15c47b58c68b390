import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openSlide } from '@pathlens/slide-reader';
import { sharedDataFile } from '../helpers/shared-data.ts';
import * as dicomFixtures from '../fixtures/dicom-fixtures.ts';
import * as fixtures from '../fixtures/make-slide-fixtures.ts';
import * as vendorFixtures from '../fixtures/vendor-tiff-fixtures.ts';
import { openSlideAvailable, skipWithoutOpenSlide } from './openslide-availability.ts';
import { describeSlideReaderSuite, type Landmark, type SlideReaderCase } from './slide-reader-suite.ts';

const directory = await mkdtemp(path.join(tmpdir(), 'pathlens-slide-reader-'));
const files: Record<string, string> = {};

beforeAll(async () => {
  files.pyramid = await fixtures.writePyramidalTiff(directory);
  files.bigTiff = await fixtures.writePyramidalBigTiff(directory);
  files.svs = await fixtures.writeSvsLikeTiff(directory);
  files.plainTiff = await fixtures.writePlainTiff(directory);
  files.png = await fixtures.writePng(directory);
  files.jpeg = await fixtures.writeJpeg(directory);
  files.omeTiff = await vendorFixtures.writeOmeTiff(directory);
  files.dicomFullFolder = (
    await dicomFixtures.writeDicomWsi(directory, {
      name: 'dicom-tiled-full',
      organisation: 'TILED_FULL',
      encoding: 'jpeg',
      associatedImages: true,
    })
  ).directory;
  // Opened through its level-1 file: the reader gathers the series from the files beside it.
  const sparse = await dicomFixtures.writeDicomWsi(directory, {
    name: 'dicom-tiled-sparse',
    organisation: 'TILED_SPARSE',
    encoding: 'jpeg',
    photometric: 'RGB',
    splitFragments: true,
    bareNames: true,
  });
  files.dicomSparseLevel1 = sparse.levelFiles[1]!;
  files.dicomNative = (
    await dicomFixtures.writeDicomWsi(directory, {
      name: 'dicom-native',
      organisation: 'omitted',
      encoding: 'implicit-native',
      levelCount: 1,
    })
  ).levelFiles[0]!;
  files.dicomExplicitNative = (
    await dicomFixtures.writeDicomWsi(directory, {
      name: 'dicom-explicit-native',
      organisation: 'TILED_FULL',
      encoding: 'explicit-native',
    })
  ).directory;
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const { widthPx, heightPx, discs, emptyPoint } = fixtures.tissueGeometry;
const syntheticLandmarks: Landmark[] = [
  { ...emptyPoint, expected: 'glass' },
  ...discs.map((disc) => ({
    xLevel0: disc.centreXLevel0,
    yLevel0: disc.centreYLevel0,
    expected: { rgb: disc.rgb, tolerance: 12 },
  })),
];
const purple = discs[0]!;
// Straddles the purple disc's left edge.
const syntheticComparisonArea = {
  xLevel0: purple.centreXLevel0 - purple.radiusPx - 256,
  yLevel0: purple.centreYLevel0 - 256,
  sizeLevel0Px: 512,
};

function syntheticCase(
  name: string,
  file: () => string,
  expected: Partial<SlideReaderCase['expected']> & Pick<SlideReaderCase['expected'], 'format'>,
  options: Parameters<typeof openSlide>[1] = {},
): SlideReaderCase {
  return {
    name,
    open: () => openSlide(file(), options),
    expected: {
      vendor: null,
      level0: { widthPx, heightPx },
      levelCount: 1,
      mpp: null,
      objectivePower: null,
      associatedImages: [],
      ...expected,
    },
    landmarks: syntheticLandmarks,
    comparisonArea: syntheticComparisonArea,
  };
}

describeSlideReaderSuite(
  syntheticCase('pyramidal TIFF', () => files.pyramid!, {
    format: 'pyramidal-tiff',
    levelCount: 5,
    mpp: fixtures.fixtureMpp.resolutionTags,
  }),
);
describeSlideReaderSuite(
  syntheticCase('pyramidal BigTIFF', () => files.bigTiff!, {
    format: 'pyramidal-tiff',
    levelCount: 5,
    mpp: fixtures.fixtureMpp.resolutionTags,
  }),
);
describeSlideReaderSuite(
  syntheticCase('Aperio-like SVS', () => files.svs!, {
    format: 'aperio-svs',
    vendor: 'aperio',
    levelCount: 5,
    mpp: fixtures.fixtureMpp.aperio,
    objectivePower: 40,
    associatedImages: ['thumbnail', 'label', 'macro'],
  }),
);
describeSlideReaderSuite(
  syntheticCase('OME-TIFF (SubIFD pyramid)', () => files.omeTiff!, {
    format: 'ome-tiff',
    levelCount: 5,
    mpp: vendorFixtures.omeFixtureMpp,
    objectivePower: vendorFixtures.omeFixtureObjectivePower,
    associatedImages: ['label', 'macro'],
  }),
);
const dicomExpected = {
  format: 'dicom-wsi',
  vendor: dicomFixtures.dicomFixtureManufacturer.toLowerCase(),
  levelCount: 2,
  mpp: dicomFixtures.dicomFixtureMpp,
  objectivePower: dicomFixtures.dicomFixtureObjectivePower,
} as const;
describeSlideReaderSuite(
  syntheticCase('DICOM WSI folder, TILED_FULL, JPEG', () => files.dicomFullFolder!, {
    ...dicomExpected,
    associatedImages: ['label', 'macro'],
  }),
);
describeSlideReaderSuite(
  syntheticCase(
    'DICOM WSI file of a series, TILED_SPARSE, JPEG in split fragments, RGB over YCbCr',
    () => files.dicomSparseLevel1!,
    dicomExpected,
  ),
);
describeSlideReaderSuite(
  syntheticCase(
    'DICOM WSI single file, uncompressed implicit VR, no Dimension Organization Type',
    () => files.dicomNative!,
    { ...dicomExpected, levelCount: 1 },
  ),
);
describeSlideReaderSuite(
  syntheticCase(
    'DICOM WSI folder, TILED_FULL, uncompressed explicit VR',
    () => files.dicomExplicitNative!,
    dicomExpected,
  ),
);
describeSlideReaderSuite(syntheticCase('plain TIFF', () => files.plainTiff!, { format: 'tiff' }));
describeSlideReaderSuite(
  syntheticCase('PNG', () => files.png!, { format: 'png', mpp: fixtures.fixtureMpp.resolutionTags }),
);
describeSlideReaderSuite(syntheticCase('JPEG', () => files.jpeg!, { format: 'jpeg' }));

// OpenSlide reads the same Aperio-like file; it lists only the thumbnail of its associated images.
skipWithoutOpenSlide('the OpenSlide reader on the Aperio-like SVS');
if (openSlideAvailable) {
  describeSlideReaderSuite(
    syntheticCase(
      'OpenSlide on the Aperio-like SVS',
      () => files.svs!,
      {
        format: 'aperio-svs',
        vendor: 'aperio',
        levelCount: 5,
        mpp: fixtures.fixtureMpp.aperio,
        objectivePower: 40,
        associatedImages: ['thumbnail'],
      },
      { reader: 'openslide' },
    ),
  );
}

const realSvs = sharedDataFile('wsi/CMU-1-Small-Region.svs');
for (const reader of ['sharp', 'openslide'] as const) {
  if (!realSvs || (reader === 'openslide' && !openSlideAvailable)) continue;
  describeSlideReaderSuite({
    name: `CMU-1-Small-Region.svs (real Aperio) through ${reader}`,
    open: () => openSlide(realSvs, { reader }),
    expected: {
      format: 'aperio-svs',
      vendor: 'aperio',
      level0: { widthPx: 2220, heightPx: 2967 },
      levelCount: 1,
      mpp: 0.499, // "|MPP = 0.4990|" in its ImageDescription
      objectivePower: 20,
      associatedImages: ['thumbnail', 'label', 'macro'],
    },
    landmarks: [
      { xLevel0: 200, yLevel0: 200, expected: 'glass' },
      { xLevel0: 100, yLevel0: 2800, expected: 'glass' },
      { xLevel0: 1100, yLevel0: 1507, expected: 'stained' },
      { xLevel0: 1300, yLevel0: 1000, expected: 'stained' },
    ],
    comparisonArea: { xLevel0: 900, yLevel0: 1200, sizeLevel0Px: 512 },
  });
}

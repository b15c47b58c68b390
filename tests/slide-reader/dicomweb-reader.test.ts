/**
 * The SlideReader contract suite run against the DICOMweb reader: the same DICOM WSI fixtures
 * the file reader is tested with (TILED_FULL with label and overview, TILED_SPARSE with
 * fragmented JPEG frames, uncompressed implicit and explicit VR) stored in a real Orthanc and
 * read back over WADO-RS (metadata and `/frames/{n}`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { RedactedCredential } from '@pathlens/core';
import { DicomWebClient, DicomWebServers, dicomWebLocation, slideOpener } from '@pathlens/slide-reader';
import * as dicomFixtures from '../fixtures/dicom-fixtures.ts';
import { tissueGeometry } from '../fixtures/make-slide-fixtures.ts';
import { orthancMissing, startOrthanc, type RunningOrthanc } from '../helpers/orthanc-server.ts';
import { describeSlideReaderSuite, type SlideReaderCase } from './slide-reader-suite.ts';

const missing = orthancMissing();
if (missing) console.warn(`[skip] ${missing}: the DICOMweb reader's contract tests are skipped.`);

const fixtureOptions = {
  full: { name: 'dicomweb-tiled-full', organisation: 'TILED_FULL', encoding: 'jpeg', associatedImages: true },
  sparse: { name: 'dicomweb-tiled-sparse', organisation: 'TILED_SPARSE', encoding: 'jpeg', photometric: 'RGB' },
  implicitNative: {
    name: 'dicomweb-implicit-native',
    organisation: 'omitted',
    encoding: 'implicit-native',
    levelCount: 1,
  },
  explicitNative: { name: 'dicomweb-explicit-native', organisation: 'TILED_FULL', encoding: 'explicit-native' },
} as const satisfies Record<string, Parameters<typeof dicomFixtures.writeDicomWsi>[1]>;

if (!missing) {
  const directory = await mkdtemp(path.join(tmpdir(), 'pathlens-dicomweb-reader-'));
  const locations = new Map<keyof typeof fixtureOptions, string>();
  let orthanc: RunningOrthanc;
  let servers: DicomWebServers;

  beforeAll(async () => {
    orthanc = await startOrthanc();
    const credential = new RedactedCredential(
      `Basic ${Buffer.from(`${orthanc.username}:${orthanc.password}`).toString('base64')}`,
    );
    servers = new DicomWebServers([new DicomWebClient({ name: 'orthanc', url: orthanc.dicomWebUrl, credential })]);
    for (const [key, options] of Object.entries(fixtureOptions) as Array<
      [keyof typeof fixtureOptions, (typeof fixtureOptions)[keyof typeof fixtureOptions]]
    >) {
      const fixture = await dicomFixtures.writeDicomWsi(directory, options);
      await orthanc.storeFolder(fixture.directory);
      locations.set(key, dicomWebLocation('orthanc', fixture.studyInstanceUid, fixture.seriesInstanceUid));
    }
  });
  afterAll(async () => {
    await orthanc?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  const { widthPx, heightPx, discs, emptyPoint } = tissueGeometry;
  const purple = discs[0]!;
  const webCase = (
    name: string,
    key: keyof typeof fixtureOptions,
    expected: Partial<SlideReaderCase['expected']>,
  ): SlideReaderCase => ({
    name: `DICOMweb (Orthanc): ${name}`,
    open: () => slideOpener(servers)({ source: 'dicomweb', filePath: locations.get(key)! }),
    expected: {
      format: 'dicom-wsi',
      vendor: dicomFixtures.dicomFixtureManufacturer.toLowerCase(),
      level0: { widthPx, heightPx },
      levelCount: 2,
      mpp: dicomFixtures.dicomFixtureMpp,
      objectivePower: dicomFixtures.dicomFixtureObjectivePower,
      associatedImages: [],
      ...expected,
    },
    landmarks: [
      { ...emptyPoint, expected: 'glass' },
      ...discs.map((disc) => ({
        xLevel0: disc.centreXLevel0,
        yLevel0: disc.centreYLevel0,
        expected: { rgb: disc.rgb, tolerance: 12 },
      })),
    ],
    comparisonArea: {
      xLevel0: purple.centreXLevel0 - purple.radiusPx - 256,
      yLevel0: purple.centreYLevel0 - 256,
      sizeLevel0Px: 512,
    },
  });

  describeSlideReaderSuite(
    webCase('TILED_FULL, JPEG, label and overview', 'full', { associatedImages: ['label', 'macro'] }),
  );
  describeSlideReaderSuite(webCase('TILED_SPARSE, JPEG, RGB over YCbCr', 'sparse', {}));
  describeSlideReaderSuite(
    webCase('uncompressed implicit VR, no Dimension Organization Type', 'implicitNative', { levelCount: 1 }),
  );
  describeSlideReaderSuite(webCase('TILED_FULL, uncompressed explicit VR', 'explicitNative', {}));
}

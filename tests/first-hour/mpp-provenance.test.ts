import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessFileMpp, registerSlide, tilingResolution } from '@pathlens/ingest';
import { openSlide } from '@pathlens/slide-reader';
import { openStore, type Store } from '@pathlens/store';
import { writeDicomWsi } from '../fixtures/dicom-fixtures.ts';
import { tissueGeometry } from '../fixtures/make-slide-fixtures.ts';

const base = { inputSizePx: 224, targetMpp: 0.5 };

describe('issue 11.2: MPP provenance, plausibility and upsampling', () => {
  it('checks a file’s MPP for square pixels, a scanner’s range and the objective power; derived values that fail are refused', () => {
    expect(assessFileMpp({ mppX: 0.25, mppY: 0.25, provenance: 'pixel_spacing', objectivePower: 40 })).toEqual({
      verdict: 'trusted',
      problems: [],
    });
    expect(assessFileMpp({ mppX: null, mppY: null, provenance: null, objectivePower: 40 }).verdict).toBe('none');
    // The real DICOM of the issue: Imaged Volume gave 4.6 × 5.7 µm/px for a 40× scan.
    const derived = assessFileMpp({ mppX: 4.6, mppY: 5.7, provenance: 'imaged_volume', objectivePower: 40 });
    expect(derived.verdict).toBe('refused');
    expect(derived.problems.join(' ')).toMatch(
      /4\.600 × 5\.700 µm\/px.*square.*outside what slide scanners record.*disagrees with the 40× objective/,
    );
    // The same numbers stated by the scanner are used, but flagged.
    expect(assessFileMpp({ mppX: 1, mppY: 1, provenance: 'scanner_metadata', objectivePower: 40 }).verdict).toBe(
      'flagged',
    );
  });

  it('warns when tiling upsamples the source by more than the set factor', () => {
    const coarse = tilingResolution({ ...base, fileMpp: { x: null, y: null }, requestMpp: 4.6 });
    expect(coarse).toMatchObject({ patchSizeLevel0Px: 24, mppSource: 'user' });
    expect(coarse.warnings.join(' ')).toMatch(/upsampled 9\.3× from the source.*"target_mpp": 4\.6/);
    expect(
      tilingResolution({ ...base, fileMpp: { x: null, y: null }, requestMpp: 4.6, maxUpsampleFactor: 10 }).warnings,
    ).toEqual([]);
    expect(
      tilingResolution({ ...base, fileMpp: { x: 0.25, y: 0.25, provenance: 'scanner_metadata', objectivePower: 40 } })
        .warnings,
    ).toEqual([]);
  });

  describe('on DICOM files written without Pixel Spacing', () => {
    let directory: string;
    let store: Store;
    beforeAll(async () => {
      directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-mpp-'));
      store = await openStore({ dataDir: path.join(directory, 'data') });
    });
    afterAll(async () => {
      await store?.close();
      await rm(directory, { recursive: true, force: true });
    });

    const volumeFor = (mppX: number, mppY: number) => ({
      widthMm: (tissueGeometry.widthPx * mppX) / 1000,
      heightMm: (tissueGeometry.heightPx * mppY) / 1000,
    });
    const register = (filePath: string, extra: { mpp?: number } = {}) =>
      registerSlide(store, {
        filePath,
        encoderId: 'pathlens/tiny-clip',
        inputSizePx: 224,
        targetMpp: 0.5,
        dataDir: path.join(directory, 'data'),
        ...extra,
      });

    it('reads the MPP from Imaged Volume with its provenance, and uses it when it is plausible', async () => {
      const fixture = await writeDicomWsi(directory, {
        name: 'volume-ok',
        organisation: 'TILED_FULL',
        encoding: 'jpeg',
        levelCount: 1,
        imagedVolumeMm: volumeFor(0.25, 0.25),
      });
      const reader = await openSlide(fixture.levelFiles[0]!);
      try {
        expect(reader.properties).toMatchObject({ mppProvenance: 'imaged_volume', objectivePower: 40 });
        expect(reader.properties.mppX).toBeCloseTo(0.25, 6);
      } finally {
        await reader.close();
      }
      const { slide } = await register(fixture.levelFiles[0]!);
      expect(slide).toMatchObject({ mppSource: 'imaged_volume', patchSizeLevel0Px: 448, warnings: [] });
    });

    it('refuses an implausible derived MPP, saying what was measured and how to give the right one; the user’s MPP is then taken', async () => {
      const fixture = await writeDicomWsi(directory, {
        name: 'volume-coarse',
        organisation: 'TILED_FULL',
        encoding: 'jpeg',
        levelCount: 1,
        imagedVolumeMm: volumeFor(4.6, 5.7),
      });
      const refused = register(fixture.levelFiles[0]!);
      await expect(refused).rejects.toMatchObject({ code: 'implausible_mpp' });
      const message = ((await refused.catch((error: Error) => error)) as Error).message;
      expect(message).toMatch(/derived pixel size \(from imaged volume\)/);
      expect(message).toMatch(/4\.600 × 5\.700 µm\/px/);
      expect(message).toMatch(/--mpp 0\.25.*\/reingest/s);
      expect(await store.slides.list()).toHaveLength(1); // only the plausible slide above: nothing half-registered

      const { slide } = await register(fixture.levelFiles[0]!, { mpp: 0.25 });
      expect(slide).toMatchObject({ mppSource: 'user', mppX: 0.25, patchSizeLevel0Px: 448, warnings: [] });
    });
  });
});

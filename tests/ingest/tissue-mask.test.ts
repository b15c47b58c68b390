import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  detectTissue,
  loadTissueMask,
  otsuThreshold,
  patchGrid,
  ringArea,
  saveTissueMask,
  tissueFractionInRect,
  tissueGeoJson,
  type DetectedTissue,
} from '@pathlens/ingest';
import { openSlide, type SlideReader } from '@pathlens/slide-reader';
import { sharedDataFile } from '../helpers/shared-data.ts';
import { blobSlide, expectedAreasPx2, expectedTissueAt, writeBlobSlide } from './tissue-blob-fixture.ts';

const realSvs = sharedDataFile('wsi/CMU-1-Small-Region.svs');

describe('tissue detection on a synthetic slide with known shapes', () => {
  let directory: string;
  let reader: SlideReader;
  let detected: DetectedTissue;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-tissue-'));
    reader = await openSlide(await writeBlobSlide(directory));
    expect(reader.properties.mppX).toBeCloseTo(blobSlide.mpp, 5);
    detected = await detectTissue(reader, { mppLevel0: reader.properties.mppX });
  });
  afterAll(async () => {
    await reader?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('makes a mask at about 8 µm/px that agrees with the shapes, speck dropped and small hole filled', () => {
    const { mask } = detected;
    expect(mask.widthPx).toBe(500); // 2000 px × 2 µm / 8 µm
    expect(mask.heightPx).toBe(375);
    expect(mask.downsampleX).toBeCloseTo(4, 5);
    let disagreements = 0;
    for (let y = 0; y < mask.heightPx; y++) {
      for (let x = 0; x < mask.widthPx; x++) {
        const truth = expectedTissueAt((x + 0.5) * mask.downsampleX, (y + 0.5) * mask.downsampleY);
        if (truth !== (mask.data[y * mask.widthPx + x] === 1)) disagreements++;
      }
    }
    // Only along the outlines (a pixel or two where blur and closing round the corners).
    expect(disagreements / mask.data.length).toBeLessThan(0.01);
    const at = (xLevel0: number, yLevel0: number) =>
      mask.data[Math.floor(yLevel0 / mask.downsampleY) * mask.widthPx + Math.floor(xLevel0 / mask.downsampleX)];
    expect(at(blobSlide.speck.x + 25, blobSlide.speck.y + 25)).toBe(0);
    expect(at(blobSlide.smallHole.x + 12, blobSlide.smallHole.y + 12)).toBe(1);
    expect(at(blobSlide.bigHole.x + 200, blobSlide.bigHole.y + 200)).toBe(0);
    const expectedFraction =
      (expectedAreasPx2.frame + expectedAreasPx2.disc + expectedAreasPx2.piece) /
      (blobSlide.widthPx * blobSlide.heightPx);
    expect(detected.tissueFraction).toBeCloseTo(expectedFraction, 2);
    expect(detected.saturationThreshold).toBeGreaterThanOrEqual(8);
    expect(detected.saturationThreshold).toBeLessThanOrEqual(30);
  });

  it('gives each patch the share of it the mask covers', () => {
    const { mask } = detected;
    // inside the disc
    expect(tissueFractionInRect(mask, { xLevel0: 1400, yLevel0: 400, sizeLevel0Px: 200 })).toBeCloseTo(1, 2);
    // inside the big hole
    expect(tissueFractionInRect(mask, { xLevel0: 450, yLevel0: 550, sizeLevel0Px: 200 })).toBe(0);
    // across the frame's left edge
    expect(tissueFractionInRect(mask, { xLevel0: 100, yLevel0: 500, sizeLevel0Px: 200 })).toBeCloseTo(0.5, 1);
    // partly off the slide, on glass
    expect(tissueFractionInRect(mask, { xLevel0: 1900, yLevel0: 1400, sizeLevel0Px: 224 })).toBe(0);
    // Cells of 50 px: every straight edge falls between cells, so the kept cells add up to the tissue area.
    const grid = patchGrid({ widthPx: blobSlide.widthPx, heightPx: blobSlide.heightPx, patchSizePx: 50 });
    const keptArea = grid.filter((cell) => tissueFractionInRect(mask, cell) >= 0.5).length * 50 * 50;
    const totalArea = expectedAreasPx2.frame + expectedAreasPx2.disc + expectedAreasPx2.piece;
    expect(keptArea / totalArea).toBeGreaterThan(0.97);
    expect(keptArea / totalArea).toBeLessThan(1.03);
  });

  it('outlines the pieces as QuPath GeoJSON in level-0 pixels: outer rings, the big hole, areas', () => {
    const geoJson = tissueGeoJson(detected.mask);
    expect(geoJson.type).toBe('FeatureCollection');
    expect(geoJson.features).toHaveLength(3); // frame, disc, piece; the speck is gone
    for (const feature of geoJson.features) {
      expect(feature.properties).toMatchObject({ objectType: 'annotation', classification: { name: 'Tissue' } });
      for (const ring of feature.geometry.coordinates) expect(ring[0]).toEqual(ring.at(-1)); // closed
    }
    const [frame, disc, piece] = geoJson.features; // largest first
    expect(frame!.geometry.coordinates).toHaveLength(2); // the big hole, not the filled small one
    const bounds = (ring: [number, number][]) => ({
      minX: Math.min(...ring.map(([x]) => x)),
      maxX: Math.max(...ring.map(([x]) => x)),
      minY: Math.min(...ring.map(([, y]) => y)),
      maxY: Math.max(...ring.map(([, y]) => y)),
    });
    const tolerance = 3 * detected.mask.downsampleX; // three mask pixels
    const outer = bounds(frame!.geometry.coordinates[0]!);
    expect(Math.abs(outer.minX - 200)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(outer.maxX - 900)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(outer.minY - 200)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(outer.maxY - 1100)).toBeLessThanOrEqual(tolerance);
    const hole = bounds(frame!.geometry.coordinates[1]!);
    expect(Math.abs(hole.minX - 350)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(hole.maxY - 850)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(ringArea(frame!.geometry.coordinates[1]!))).toBeCloseTo(400 * 400, -4);
    expect(frame!.properties.areaLevel0Px2 / expectedAreasPx2.frame).toBeCloseTo(1, 1);
    expect(disc!.properties.areaLevel0Px2 / expectedAreasPx2.disc).toBeCloseTo(1, 1);
    const discBounds = bounds(disc!.geometry.coordinates[0]!);
    expect(Math.abs((discBounds.minX + discBounds.maxX) / 2 - 1500)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(discBounds.maxY - discBounds.minY - 600)).toBeLessThanOrEqual(2 * tolerance);
    expect(piece!.properties.areaLevel0Px2 / expectedAreasPx2.piece).toBeGreaterThan(0.6);
    expect(piece!.properties.areaLevel0Px2 / expectedAreasPx2.piece).toBeLessThan(1.4);
  });

  it('keeps the mask as a PNG and GeoJSON written atomically, and reads it back the same', async () => {
    const dataDir = path.join(directory, 'data');
    await saveTissueMask(dataDir, 'slide-1', detected.mask);
    const files = await readdir(path.join(dataDir, 'slides', 'slide-1'));
    expect(files.sort()).toEqual(['tissue-mask.png', 'tissue.geojson']); // no temporary files left
    const loaded = await loadTissueMask(dataDir, 'slide-1', {
      widthPx: blobSlide.widthPx,
      heightPx: blobSlide.heightPx,
    });
    expect(loaded).toMatchObject({ widthPx: 500, heightPx: 375, downsampleX: 4, downsampleY: 4 });
    expect(Buffer.from(loaded!.data).equals(Buffer.from(detected.mask.data))).toBe(true);
    expect(await loadTissueMask(dataDir, 'no-such-slide', { widthPx: 10, heightPx: 10 })).toBeNull();
  });

  it('finds nothing on blank glass, and everything on a slide that is all tissue', async () => {
    const sharp = (await import('sharp')).default;
    const blank = path.join(directory, 'blank.png');
    await sharp({ create: { width: 600, height: 400, channels: 3, background: '#f4f2f3' } })
      .png()
      .toFile(blank);
    const blankReader = await openSlide(blank);
    expect((await detectTissue(blankReader, { mppLevel0: 0.5 })).tissueFraction).toBe(0);
    await blankReader.close();
    // Half purple, half pale pink and no glass: Otsu alone would split the stains; the threshold range keeps both.
    const twoStains = path.join(directory, 'two-stains.png');
    const halves = Buffer.alloc(600 * 400 * 3);
    for (let pixel = 0; pixel < 600 * 400; pixel++)
      halves.set(pixel % 600 < 300 ? [90, 60, 150] : [235, 190, 210], pixel * 3);
    await sharp(halves, { raw: { width: 600, height: 400, channels: 3 } })
      .png()
      .toFile(twoStains);
    const tissueReader = await openSlide(twoStains);
    expect((await detectTissue(tissueReader, { mppLevel0: 0.5 })).tissueFraction).toBe(1);
    await tissueReader.close();
  });

  it('keeps a single patch saved as an image (smaller than the minimum tissue area), and copes with tiny images', async () => {
    const sharp = (await import('sharp')).default;
    for (const [sizePx, name] of [
      [224, 'patch.png'],
      [3, 'tiny.png'],
    ] as const) {
      const filePath = path.join(directory, name);
      await sharp({ create: { width: sizePx, height: sizePx, channels: 3, background: { r: 120, g: 60, b: 160 } } })
        .png()
        .toFile(filePath);
      const patchReader = await openSlide(filePath);
      // 112 µm square: 0.0125 mm² < 0.016
      expect((await detectTissue(patchReader, { mppLevel0: 0.5 })).tissueFraction).toBe(1);
      await patchReader.close();
    }
  });

  it('computes Otsu’s threshold between two classes', () => {
    const values = Uint8Array.from([...Array(50).fill(10), ...Array(50).fill(12), ...Array(30).fill(200)]);
    const threshold = otsuThreshold(values);
    expect(threshold).toBeGreaterThanOrEqual(12);
    expect(threshold).toBeLessThan(200);
    expect(otsuThreshold(new Uint8Array(10).fill(7))).toBe(0);
  });
});

describe.skipIf(!realSvs)('tissue detection on the real SVS (CMU-1-Small-Region)', () => {
  it('finds the tissue strip and leaves the white glass out', async () => {
    const reader = await openSlide(realSvs!);
    try {
      const { mask, tissueFraction } = await detectTissue(reader, { mppLevel0: reader.properties.mppX });
      expect(mask.widthPx).toBe(139); // 2220 px × 0.499 µm / 8 µm
      expect(tissueFraction).toBeGreaterThan(0.25);
      expect(tissueFraction).toBeLessThan(0.45);
      // The top-left and right-hand glass is background; the middle of the strip is tissue.
      expect(tissueFractionInRect(mask, { xLevel0: 0, yLevel0: 0, sizeLevel0Px: 448 })).toBe(0);
      expect(tissueFractionInRect(mask, { xLevel0: 1792, yLevel0: 0, sizeLevel0Px: 224 })).toBe(0);
      expect(tissueFractionInRect(mask, { xLevel0: 1120, yLevel0: 2016, sizeLevel0Px: 224 })).toBe(1);
      const geoJson = tissueGeoJson(mask);
      expect(geoJson.features.length).toBeGreaterThanOrEqual(1);
      expect(geoJson.features[0]!.properties.areaLevel0Px2 / (2220 * 2967)).toBeGreaterThan(0.25);
    } finally {
      await reader.close();
    }
  });
});

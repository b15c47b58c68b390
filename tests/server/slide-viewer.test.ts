import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlide } from '@pathlens/slide-reader';
import { DeepZoomTileCache, SlideViewer, deepZoomGeometry } from '@pathlens/viewer';
import { labelRgb, tissueGeometry, writePyramidalTiff, writeSvsLikeTiff } from '../fixtures/make-slide-fixtures.ts';
import { startTestServer, waitForSlide } from '../helpers/test-server.ts';

async function upload(baseUrl: string, filePath: string): Promise<Record<string, any>> {
  const form = new FormData();
  form.append('file', await openAsBlob(filePath), path.basename(filePath));
  const response = await fetch(`${baseUrl}/v1/slides`, { method: 'POST', body: form });
  expect(response.status).toBe(202);
  return (await response.json()) as Record<string, any>;
}

async function imageOf(response: Response) {
  expect(response.status).toBe(200);
  const bytes = Buffer.from(await response.arrayBuffer());
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return { bytes, data, ...info, contentType: response.headers.get('content-type') };
}

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  return body.error.message;
}

describe('slide viewer endpoints over a real server', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let fixtureDir: string;
  let baseUrl: string;
  let slideId: string;
  let svsId: string;
  let svsPath: string;

  beforeAll(async () => {
    test = await startTestServer();
    baseUrl = test.server.url;
    fixtureDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-viewer-'));
    slideId = (await upload(baseUrl, await writePyramidalTiff(fixtureDir))).id;
    svsPath = await writeSvsLikeTiff(fixtureDir);
    svsId = (await upload(baseUrl, svsPath)).id;
    expect((await waitForSlide(baseUrl, slideId)).status).toBe('ready');
  }, 180_000);
  afterAll(async () => {
    await test?.dispose();
    await rm(fixtureDir, { recursive: true, force: true });
  });

  it('describes the slide for Deep Zoom: 254-px tiles, 1 px overlap, full size', async () => {
    const response = await fetch(`${baseUrl}/v1/slides/${slideId}/dzi`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/xml/);
    const xml = await response.text();
    expect(xml).toContain('xmlns="http://schemas.microsoft.com/deepzoom/2008"');
    expect(xml).toMatch(/Format="jpeg" Overlap="1" TileSize="254"/);
    expect(xml).toContain(`<Size Width="${tissueGeometry.widthPx}" Height="${tissueGeometry.heightPx}"/>`);
  });

  it('serves JPEG tiles of the right size and content at every level', async () => {
    const tile = (level: number, column: number, row: number) =>
      fetch(`${baseUrl}/v1/slides/${slideId}/dzi_files/${level}/${column}_${row}.jpeg`);
    // Level 12 is full resolution (2^12 ≥ 2990): 12 × 8 tiles.
    const first = await imageOf(await tile(12, 0, 0));
    // 254 + overlap on the right and bottom
    expect([first.width, first.height, first.contentType]).toEqual([255, 255, 'image/jpeg']);
    const inner = await imageOf(await tile(12, 1, 1));
    expect([inner.width, inner.height]).toEqual([256, 256]); // overlap on all sides
    const last = await imageOf(await tile(12, 11, 7));
    expect([last.width, last.height]).toEqual([2990 - (11 * 254 - 1), 1990 - (7 * 254 - 1)]);
    const dot = await imageOf(await tile(0, 0, 0));
    expect([dot.width, dot.height]).toEqual([1, 1]);
    const half = await imageOf(await tile(11, 5, 3)); // level 11: 1495 × 995, the last tile
    expect([half.width, half.height]).toEqual([1495 - (5 * 254 - 1), 995 - (3 * 254 - 1)]);

    // The purple disc's centre (800, 700) lies in tile 3_2 of level 12, at (800 − 761, 700 − 507).
    const purple = tissueGeometry.discs[0]!;
    const withDisc = await imageOf(await tile(12, 3, 2));
    const offset = ((700 - 507) * withDisc.width + (800 - 761)) * withDisc.channels;
    purple.rgb.forEach((value, channel) => expect(Math.abs(withDisc.data[offset + channel]! - value)).toBeLessThan(15));
    // …and at level 10 (downsample 4), at (200, 175) of tile 0_0.
    const coarse = await imageOf(await tile(10, 0, 0));
    const coarseOffset = (175 * coarse.width + 200) * coarse.channels;
    purple.rgb.forEach((value, channel) =>
      expect(Math.abs(coarse.data[coarseOffset + channel]! - value)).toBeLessThan(15),
    );
  });

  it('renders a tile once for concurrent requests and caches it on disk, written whole', async () => {
    const url = `${baseUrl}/v1/slides/${slideId}/dzi_files/10/2_1.jpeg`;
    const responses = await Promise.all(Array.from({ length: 6 }, () => fetch(url)));
    const bodies = await Promise.all(responses.map(async (response) => (await imageOf(response)).bytes));
    for (const body of bodies) expect(body.equals(bodies[0]!)).toBe(true);
    const cached = await readdir(path.join(test.dataDir, 'slides', slideId, 'dzi', '10'));
    expect(cached.filter((name) => name.startsWith('2_1'))).toEqual(['2_1.jpeg']); // no temporary files
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(bodies[0]!)).toBe(true); // from the cache

    // The same through the cache itself, counting renderings: one for six concurrent requests, none after.
    const cache = new DeepZoomTileCache(path.join(fixtureDir, 'cache-data'));
    let renderings = 0;
    const reader = await openSlide(svsPath);
    const openReader = <T>(use: (slideReader: typeof reader) => Promise<T>) => {
      renderings++;
      return use(reader);
    };
    const geometry = deepZoomGeometry(tissueGeometry.widthPx, tissueGeometry.heightPx);
    const tiles = await Promise.all(
      Array.from({ length: 6 }, () => cache.tile('slide-a', geometry, { level: 11, column: 1, row: 1 }, openReader)),
    );
    await cache.tile('slide-a', geometry, { level: 11, column: 1, row: 1 }, openReader);
    await reader.close();
    expect(renderings).toBe(1);
    for (const body of tiles) expect(body.equals(tiles[0]!)).toBe(true);
  });

  it('answers bad tile requests with 400 and unknown slides with 404', async () => {
    const base = `${baseUrl}/v1/slides/${slideId}/dzi_files`;
    expect(await expectError(await fetch(`${base}/13/0_0.jpeg`), 400, 'invalid_request')).toMatch(/levels 0–12/);
    await expectError(await fetch(`${base}/ten/0_0.jpeg`), 400, 'invalid_request');
    expect(await expectError(await fetch(`${base}/12/12_0.jpeg`), 400, 'invalid_request')).toMatch(/columns 0–11/);
    await expectError(await fetch(`${base}/12/0-0.png`), 400, 'invalid_request');
    await expectError(
      await fetch(`${baseUrl}/v1/slides/00000000-0000-4000-8000-000000000000/dzi`),
      404,
      'slide_not_found',
    );
    await expectError(await fetch(`${baseUrl}/v1/slides/not-a-slide/dzi_files/0/0_0.jpeg`), 404, 'slide_not_found');
    await expectError(
      await fetch(`${baseUrl}/v1/slides/00000000-0000-4000-8000-000000000000/thumbnail.jpg`),
      404,
      'slide_not_found',
    );
  });

  it('serves a thumbnail, and a tissue overlay of the same size: transparent on glass, coloured on tissue', async () => {
    const thumbnail = await imageOf(await fetch(`${baseUrl}/v1/slides/${slideId}/thumbnail.jpg?max_size_px=300`));
    expect([thumbnail.width, thumbnail.height]).toEqual([300, 200]);
    await expectError(
      await fetch(`${baseUrl}/v1/slides/${slideId}/thumbnail.jpg?max_size_px=0`),
      400,
      'invalid_request',
    );
    await expectError(
      await fetch(`${baseUrl}/v1/slides/${slideId}/thumbnail.jpg?max_size_px=huge`),
      400,
      'invalid_request',
    );

    const overlay = await imageOf(await fetch(`${baseUrl}/v1/slides/${slideId}/tissue-mask.png?max_size_px=300`));
    expect([overlay.width, overlay.height, overlay.channels, overlay.contentType]).toEqual([300, 200, 4, 'image/png']);
    const alphaAt = (xLevel0: number, yLevel0: number) =>
      overlay.data[(Math.floor(yLevel0 / 9.967) * 300 + Math.floor(xLevel0 / 9.967)) * 4 + 3]!;
    expect(alphaAt(tissueGeometry.emptyPoint.xLevel0, tissueGeometry.emptyPoint.yLevel0)).toBe(0);
    for (const disc of tissueGeometry.discs)
      expect(alphaAt(disc.centreXLevel0, disc.centreYLevel0)).toBeGreaterThan(50);
    // Tissue covers about the discs' share of the overlay.
    let covered = 0;
    for (let pixel = 0; pixel < 300 * 200; pixel++) if (overlay.data[pixel * 4 + 3]! > 50) covered++;
    const discShare =
      tissueGeometry.discs.reduce((sum, disc) => sum + Math.PI * disc.radiusPx ** 2, 0) /
      (tissueGeometry.widthPx * tissueGeometry.heightPx);
    expect(covered / (300 * 200)).toBeCloseTo(discShare, 1);
  });

  it('serves the tissue outlines as QuPath GeoJSON in level-0 pixels', async () => {
    const response = await fetch(`${baseUrl}/v1/slides/${slideId}/tissue.geojson`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/geo+json');
    const geoJson = (await response.json()) as {
      type: string;
      features: { geometry: { type: string; coordinates: [number, number][][] }; properties: Record<string, any> }[];
    };
    expect(geoJson.type).toBe('FeatureCollection');
    expect(geoJson.features).toHaveLength(2);
    const tolerance = 3 * 16; // three 8-µm mask pixels at 0.5 µm/px
    for (const disc of [...tissueGeometry.discs].sort((left, right) => right.radiusPx - left.radiusPx)) {
      const feature = geoJson.features.find((candidate) => {
        const xs = candidate.geometry.coordinates[0]!.map(([x]) => x);
        return Math.abs((Math.min(...xs) + Math.max(...xs)) / 2 - disc.centreXLevel0) < tolerance;
      });
      expect(feature).toBeDefined();
      expect(feature!.geometry.type).toBe('Polygon');
      expect(feature!.properties).toMatchObject({ objectType: 'annotation', classification: { name: 'Tissue' } });
      const ys = feature!.geometry.coordinates[0]!.map(([, y]) => y);
      expect(Math.abs(Math.min(...ys) - (disc.centreYLevel0 - disc.radiusPx))).toBeLessThan(tolerance);
      expect(Math.abs(Math.max(...ys) - (disc.centreYLevel0 + disc.radiusPx))).toBeLessThan(tolerance);
    }
  });

  it('serves associated images, never the label (or the macro, which shows it) unless allowed', async () => {
    const associated = (name: string) => fetch(`${baseUrl}/v1/slides/${svsId}/associated/${name}.jpg`);
    const thumbnail = await imageOf(await associated('thumbnail'));
    expect([thumbnail.width, thumbnail.height]).toEqual([299, 199]);
    expect(await expectError(await associated('label'), 403, 'label_image_disabled')).toMatch(/SERVE_LABEL_IMAGE=true/);
    await expectError(await associated('macro'), 403, 'label_image_disabled');
    // By allowlist: overview pages can show the label too; a vendor's own word is no kind at all.
    await expectError(await associated('overview'), 403, 'label_image_disabled');
    await expectError(await associated('barcode'), 404, 'not_found');
    // a plain pyramid has none
    await expectError(await fetch(`${baseUrl}/v1/slides/${slideId}/associated/thumbnail.jpg`), 404, 'not_found');

    // With the setting on, the label comes through as stored.
    const viewer = new SlideViewer({ dataDir: test.dataDir, serveLabelImage: true });
    try {
      const slide = {
        id: svsId,
        source: 'file' as const,
        filePath: svsPath,
        widthPx: tissueGeometry.widthPx,
        heightPx: tissueGeometry.heightPx,
        mppX: 0.252,
        mppY: 0.252,
      };
      const { data, info } = await sharp(await viewer.associatedImageJpeg(slide, 'label'))
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([200, 150]);
      labelRgb.forEach((value, channel) => expect(Math.abs(data[channel]! - value)).toBeLessThan(10));
    } finally {
      await viewer.close();
    }
  });
});

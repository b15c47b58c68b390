import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlide, type SlideReader } from '../../packages/slide-reader/src/index.ts';
import { writePyramidalTiff } from '../fixtures/make-slide-fixtures.ts';
import { sharedDataFile } from '../helpers/shared-data.ts';

/** The same region straight from libvips: what the reader returned before it kept decoded tile blocks. */
async function libvipsRegion(filePath: string, page: number, region: { x: number; y: number; size: number }) {
  const metadata = await sharp(filePath, { page, limitInputPixels: false }).metadata();
  const left = Math.max(0, region.x);
  const top = Math.max(0, region.y);
  const width = Math.min(metadata.width, region.x + region.size) - left;
  const height = Math.min(metadata.height, region.y + region.size) - top;
  if (width <= 0 || height <= 0) return Buffer.alloc(region.size * region.size * 3, 255);
  return sharp(filePath, { page, limitInputPixels: false })
    .extract({ left, top, width, height })
    .extend({
      top: top - region.y,
      left: left - region.x,
      bottom: region.y + region.size - top - height,
      right: region.x + region.size - left - width,
      background: { r: 255, g: 255, b: 255, alpha: 1 },
    })
    .flatten({ background: '#ffffff' })
    .raw()
    .toBuffer();
}

// Across tile and block edges, at the page's right and bottom edges, partly and wholly outside it, repeated (cached).
const regions = [
  { x: 0, y: 0, size: 224 },
  { x: 230, y: 250, size: 224 },
  { x: 1000, y: 500, size: 300 },
  { x: 1020, y: 1020, size: 64 },
  { x: -100, y: -50, size: 224 },
  { x: 2100, y: 2900, size: 224 },
  { x: 2900, y: 1900, size: 224 },
  { x: 5000, y: 5000, size: 32 },
  { x: 230, y: 250, size: 224 },
];

const realSvs = sharedDataFile('wsi/CMU-1-Small-Region.svs');

describe('patch-sized reads through decoded tile blocks', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-tile-blocks-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const cases: { name: string; file: () => Promise<string | undefined> }[] = [
    { name: 'a generated 256-px-tiled pyramid', file: () => writePyramidalTiff(directory) },
    { name: 'CMU-1-Small-Region.svs (240-px tiles)', file: async () => realSvs },
  ];
  for (const { name, file } of cases) {
    it.skipIf(name.startsWith('CMU') && !realSvs)(`gives libvips' own pixels on ${name}`, async () => {
      const filePath = (await file())!;
      const reader: SlideReader = await openSlide(filePath);
      try {
        for (const level of [0, reader.properties.levels.length - 1]) {
          const { downsample } = reader.properties.levels[level]!;
          for (const region of regions) {
            const image = await reader.readRegion({
              level,
              xLevel0: Math.round(region.x * downsample),
              yLevel0: Math.round(region.y * downsample),
              widthPx: region.size,
              heightPx: region.size,
            });
            expect(image.widthPx).toBe(region.size);
            const expected = await libvipsRegion(filePath, level, region);
            expect(image.data.equals(expected), `level ${level} at ${region.x},${region.y}`).toBe(true);
          }
        }
      } finally {
        await reader.close();
      }
    });
  }
});

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchRectangle, renderHeatmapPng, thumbnailSize, type SlideHeatmap } from '@pathlens/retrieval';
import { openSlide } from '@pathlens/slide-reader';

describe('heatmap geometry', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-heatmap-'));
  });
  afterAll(async () => rm(directory, { recursive: true, force: true }));

  it('sizes the overlay exactly like the slide reader sizes its thumbnail', async () => {
    for (const [widthPx, heightPx, maxSizePx] of [
      [1001, 333, 256],
      [333, 1001, 100],
      [640, 480, 1024],
      [2220, 2967, 1024],
    ] as const) {
      const file = path.join(directory, `${widthPx}x${heightPx}.png`);
      await sharp({ create: { width: widthPx, height: heightPx, channels: 3, background: '#ffffff' } })
        .png()
        .toFile(file);
      const slide = await openSlide(file);
      try {
        const thumbnail = await slide.readThumbnail(maxSizePx);
        expect(thumbnailSize({ widthPx, heightPx }, maxSizePx)).toEqual({
          widthPx: thumbnail.widthPx,
          heightPx: thumbnail.heightPx,
        });
      } finally {
        await slide.close();
      }
    }
  });

  it('tiles neighbouring patches edge to edge and clips the padded edge patch', () => {
    const level0 = { widthPx: 1000, heightPx: 333 };
    const thumbnail = thumbnailSize(level0, 256);
    const columns = [0, 224, 448, 672, 896].map((xLevel0) =>
      patchRectangle({ xLevel0, yLevel0: 224, sizeLevel0Px: 224 }, level0, thumbnail),
    );
    for (let index = 1; index < columns.length; index++) expect(columns[index]!.left).toBe(columns[index - 1]!.right);
    expect(columns[0]!.left).toBe(0);
    expect(columns.at(-1)!.right).toBe(thumbnail.widthPx);
    expect(columns[0]!.bottom).toBe(thumbnail.heightPx);
  });

  it('paints each patch its score colour, brighter and more opaque for higher scores, transparent elsewhere', async () => {
    const heatmap: SlideHeatmap = {
      slideId: 'x',
      slideName: 'x',
      status: 'ready',
      widthPx: 448,
      heightPx: 448,
      patchSizeLevel0Px: 224,
      query: 'q',
      modelId: 'm',
      // three of four cells stored: scores 0.1 (top left), 0.5 (top right), 0.3 (bottom left); bottom right is
      // background
      patches: [
        { id: 1, xLevel0: 0, yLevel0: 0, sizeLevel0Px: 224, score: 0.1 },
        { id: 2, xLevel0: 224, yLevel0: 0, sizeLevel0Px: 224, score: 0.5 },
        { id: 3, xLevel0: 0, yLevel0: 224, sizeLevel0Px: 224, score: 0.3 },
      ],
      minScore: 0.1,
      maxScore: 0.5,
    };
    const { png, widthPx, heightPx } = await renderHeatmapPng(heatmap, {
      maxSizePx: 100,
      colourMap: 'viridis',
      opacity: 1,
    });
    expect([widthPx, heightPx]).toEqual([100, 100]);
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => Array.from(data.subarray((y * 100 + x) * 4, (y * 100 + x) * 4 + 4));
    expect(pixel(25, 25)).toEqual([68, 1, 84, 64]); // viridis(0) at a quarter opacity
    expect(pixel(75, 25)).toEqual([253, 231, 37, 255]); // viridis(1), opaque
    expect(pixel(25, 75)[3]).toBe(Math.round(255 * (0.25 + 0.75 * 0.5)));
    expect(pixel(75, 75)).toEqual([0, 0, 0, 0]);
  });
});

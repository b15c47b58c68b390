import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { associatedImageKind } from '@pathlens/slide-reader';
import { SlideViewer, servedAssociatedImages, type ViewedSlide } from '@pathlens/viewer';
import { pathLensFailure } from '../helpers/expect-failure.ts';
import { describeTiffSlide } from '../../packages/slide-reader/src/tiff/describe-tiff-slide.ts';
import { tiffPage as page } from './tiff-page.ts';
import * as fixtures from '../fixtures/make-slide-fixtures.ts';

describe('associated images: one vocabulary, served by allowlist', () => {
  let directory: string;
  let slide: ViewedSlide;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'pathlens-associated-policy-'));
    slide = {
      id: 'svs',
      source: 'file',
      filePath: await fixtures.writeSvsLikeTiff(directory),
      widthPx: 2990,
      heightPx: 1990,
      mppX: 0.25,
      mppY: 0.25,
    };
  });
  afterAll(async () => rm(directory, { recursive: true, force: true }));

  it('names pages in the shared words only: an overview page is `overview`, a vendor word is nothing', () => {
    const layout = describeTiffSlide([
      page(0, 3000, 2000),
      page(1, 400, 300, { tileWidthPx: null, description: 'Overview image' }),
    ]);
    expect(layout.associatedImages.map(({ name }) => name)).toEqual(['overview']);
    expect(associatedImageKind('Label')).toBe('label');
    expect(associatedImageKind('barcode')).toBeNull();
  });

  it('serves only the thumbnail by default: label, macro and overview are refused', async () => {
    const viewer = new SlideViewer({ dataDir: directory, serveLabelImage: false });
    try {
      expect([...servedAssociatedImages({ serveLabelImage: false })]).toEqual(['thumbnail']);
      const thumbnail = await sharp(await viewer.associatedImageJpeg(slide, 'thumbnail')).metadata();
      expect([thumbnail.width, thumbnail.height]).toEqual([299, 199]);
      for (const kind of ['overview', 'label', 'macro']) {
        const error = await pathLensFailure(viewer.associatedImageJpeg(slide, kind));
        expect(error.code).toBe('label_image_disabled');
        expect(error.message).toMatch(/SERVE_LABEL_IMAGE=true/);
      }
      expect((await pathLensFailure(viewer.associatedImageJpeg(slide, 'barcode'))).code).toBe('not_found');
      expect((await pathLensFailure(viewer.associatedImageJpeg(slide, 'Label'))).code).toBe('not_found');
    } finally {
      await viewer.close();
    }
  });

  it('serves the kinds ASSOCIATED_IMAGES names, and every kind with SERVE_LABEL_IMAGE=true', async () => {
    const withMacro = new SlideViewer({ dataDir: directory, serveLabelImage: false, associatedImages: ['macro'] });
    const everything = new SlideViewer({ dataDir: directory, serveLabelImage: true });
    try {
      expect((await sharp(await withMacro.associatedImageJpeg(slide, 'macro')).metadata()).width).toBe(600);
      expect((await pathLensFailure(withMacro.associatedImageJpeg(slide, 'label'))).code).toBe('label_image_disabled');
      expect((await sharp(await everything.associatedImageJpeg(slide, 'label')).metadata()).width).toBe(200);
      // Allowed, but this file has none: the reader says so.
      expect((await pathLensFailure(everything.associatedImageJpeg(slide, 'overview'))).code).toBe('not_found');
    } finally {
      await Promise.all([withMacro.close(), everything.close()]);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { parseAperioDescription } from '../../packages/slide-reader/src/tiff/aperio-description.ts';
import { describeTiffSlide } from '../../packages/slide-reader/src/tiff/describe-tiff-slide.ts';
import { tiffPage as page } from './tiff-page.ts';
import { mppFromResolution } from '../../packages/slide-reader/src/resolution-mpp.ts';

const cmuDescription =
  'Aperio Image Library v11.2.1 \r\n46000x32914 [42673,5576 2220x2967] (240x240) JPEG/RGB Q=30;Aperio Image Library v10.0.51\r\n' +
  '46920x33014 [0,100 46000x32914] (256x256) JPEG/RGB Q=30|AppMag = 20|StripeWidth = 2040|ScanScope ID = CPAPERIOCS|Filename = CMU-1|' +
  'MPP = 0.4990|Left = 25.691574|Top = 23.449873|OriginalWidth = 46920|Originalheight = 33014|OriginalWidth = 46000';

describe('parseAperioDescription', () => {
  it('reads MPP and AppMag from the key = value pairs', () => {
    const parsed = parseAperioDescription(cmuDescription);
    expect(parsed.mpp).toBe(0.499);
    expect(parsed.objectivePower).toBe(20);
    expect(parsed.fields['Filename']).toBe('CMU-1');
    expect(parsed.fields['OriginalWidth']).toBe('46920'); // first of a repeated key
    expect(parsed.secondLineWord).toBe('46000x32914');
  });

  it('gives null for a missing or nonsense MPP', () => {
    expect(parseAperioDescription('Aperio Image Library v1\r\nlabel 387x463').mpp).toBeNull();
    expect(parseAperioDescription('Aperio Image Library v1\r\nx|MPP = none|AppMag = 0').mpp).toBeNull();
    expect(parseAperioDescription('Aperio Image Library v1\r\nx|MPP = none|AppMag = 0').objectivePower).toBeNull();
  });
});

describe('describeTiffSlide', () => {
  it('sorts the pages of CMU-1-Small-Region.svs like OpenSlide: one level, then thumbnail, label, macro', () => {
    const layout = describeTiffSlide([
      page(0, 2220, 2967, { tileWidthPx: 240, description: cmuDescription }),
      page(1, 574, 768, {
        tileWidthPx: null,
        description: 'Aperio Image Library v11.2.1 \n2220x2967 -> 574x768 - |AppMag = 20|MPP = 0.4990',
      }),
      page(2, 387, 463, {
        tileWidthPx: null,
        compression: 5,
        newSubfileType: 1,
        description: 'Aperio Image Library v11.2.1 \nlabel 387x463',
      }),
      page(3, 1280, 431, {
        tileWidthPx: null,
        newSubfileType: 9,
        description: 'Aperio Image Library v11.2.1 \nmacro 1280x431',
      }),
    ]);
    expect(layout.format).toBe('aperio-svs');
    expect(layout.levels.map((level) => level.page.index)).toEqual([0]);
    expect(layout.associatedImages.map(({ name, page }) => [name, page.index])).toEqual([
      ['thumbnail', 1],
      ['label', 2],
      ['macro', 3],
    ]);
    expect([layout.mppX, layout.mppY, layout.objectivePower]).toEqual([0.499, 0.499, 20]);
  });

  it('takes tiled reduced copies of page 0 as levels of an Aperio slide, in downsample order', () => {
    const layout = describeTiffSlide([
      page(0, 46000, 32914, { description: cmuDescription }),
      page(1, 1024, 733, { tileWidthPx: null, description: 'Aperio Image Library\r\n46000x32914 -> 1024x733' }),
      page(2, 11500, 8228),
      page(3, 2875, 2057),
      page(4, 387, 463, { tileWidthPx: null, description: 'Aperio Image Library\r\nlabel 387x463' }),
    ]);
    expect(layout.levels.map((level) => [level.widthPx, Number(level.downsample.toFixed(3))])).toEqual([
      [46000, 1],
      [11500, 4],
      [2875, 16],
    ]);
    expect(layout.associatedImages.map(({ name }) => name)).toEqual(['thumbnail', 'label']);
  });

  it('treats a generic multi-page TIFF by sizes and descriptions', () => {
    const layout = describeTiffSlide([
      page(0, 3000, 2000, { resolution: { x: 20_000, y: 20_000, unit: 'centimeter' } }),
      page(1, 1500, 1000, { newSubfileType: 1 }),
      page(2, 640, 480, { tileWidthPx: null }), // unrelated picture: neither a level nor named
      page(3, 300, 200, { tileWidthPx: null, description: 'Macro image' }),
      page(4, 750, 500, { tileWidthPx: null, newSubfileType: 1 }), // reduced, flagged as such
    ]);
    expect(layout.format).toBe('pyramidal-tiff');
    expect(layout.vendor).toBeNull();
    expect(layout.levels.map((level) => level.page.index)).toEqual([0, 1, 4]);
    expect(layout.associatedImages.map(({ name, page }) => [name, page.index])).toEqual([['macro', 3]]);
    expect([layout.mppX, layout.mppY]).toEqual([0.5, 0.5]);
  });

  it('calls a single-level TIFF plain, ignoring an implausible resolution', () => {
    const layout = describeTiffSlide([
      page(0, 800, 600, { tileWidthPx: null, resolution: { x: 72, y: 72, unit: 'inch' } }),
    ]);
    expect(layout.format).toBe('tiff');
    expect(layout.mppX).toBeNull();
  });
});

describe('mppFromResolution', () => {
  it('converts pixels per inch or centimetre to µm per pixel', () => {
    expect(mppFromResolution(20_000, 'centimeter')).toBe(0.5);
    expect(mppFromResolution(101_600, 'inch')).toBe(0.25);
  });

  it('ignores resolutions no microscope produces and unitless ones', () => {
    expect(mppFromResolution(72, 'inch')).toBeNull(); // a screen default: 353 µm
    expect(mppFromResolution(10, 'centimeter')).toBeNull(); // libvips' default 1 px/mm
    expect(mppFromResolution(20_000, 'none')).toBeNull();
    expect(mppFromResolution(0, 'inch')).toBeNull();
  });
});

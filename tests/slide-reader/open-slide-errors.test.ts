import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PathLensError, type ErrorCode } from '@pathlens/core';
import { detectSlideFormat, openSlide, type OpenSlideOptions } from '@pathlens/slide-reader';
import * as fixtures from '../fixtures/make-slide-fixtures.ts';
import * as vendorFixtures from '../fixtures/vendor-tiff-fixtures.ts';

const directory = await mkdtemp(path.join(tmpdir(), 'pathlens-bad-slides-'));
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function openError(filePath: string, options?: OpenSlideOptions): Promise<PathLensError> {
  const error = await openSlide(filePath, options).then(
    () => new Error(`${filePath} opened, expected a failure`),
    (failure: unknown) => failure,
  );
  if (!PathLensError.is(error)) throw error;
  return error;
}

async function expectOpenFails(
  filePath: string,
  code: ErrorCode,
  messagePattern: RegExp,
  options?: OpenSlideOptions,
): Promise<void> {
  const error = await openError(filePath, options);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(messagePattern);
}

describe('openSlide on bad input', () => {
  it('rejects a non-image file whatever its extension, listing the supported formats', async () => {
    await expectOpenFails(
      await fixtures.writeNonImage(directory),
      'unsupported_format',
      /Supported formats: Aperio SVS, pyramidal or plain TIFF.*OME-TIFF, DICOM whole-slide.*PNG and JPEG; with OpenSlide installed/,
    );
  });

  it('names a recognised but unsupported format', async () => {
    const czi = path.join(directory, 'slide.czi');
    await writeFile(czi, Buffer.concat([Buffer.from('ZISRAWFILE'), Buffer.alloc(64)]));
    await expectOpenFails(czi, 'unsupported_format', /is a Zeiss CZI file/);
    const ini = path.join(directory, 'settings.vms');
    await writeFile(ini, '[Settings]\nColour = blue\n');
    await expectOpenFails(ini, 'unsupported_format', /a text \(INI\) file that is no slide format/);
  });

  it('reports a missing file as not_found', async () => {
    await expectOpenFails(path.join(directory, 'no-such-slide.svs'), 'not_found', /not found/);
  });

  it('reports an empty file and a directory', async () => {
    const empty = path.join(directory, 'empty.svs');
    await writeFile(empty, '');
    await expectOpenFails(empty, 'corrupt_file', /empty/);
    const folder = path.join(directory, 'a-folder.svs');
    await mkdir(folder);
    await writeFile(path.join(folder, 'notes.txt'), 'not a slide');
    await expectOpenFails(
      folder,
      'unsupported_format',
      /a folder with no DICOM whole-slide microscopy instances \(and no MIRAX slide\)/,
    );
  });

  it('reports a truncated TIFF as corrupt, saying where it ends', async () => {
    await expectOpenFails(
      await fixtures.writeTruncatedTiff(directory),
      'corrupt_file',
      /truncated: page 0 starts at byte \d+, past the end/,
    );
  });

  it('reports a truncated OME-TIFF as corrupt', async () => {
    const ome = await vendorFixtures.writeOmeTiff(directory);
    const bytes = await readFile(ome);
    const cutAtHeader = path.join(directory, 'cut-header.ome.tif');
    await writeFile(cutAtHeader, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expectOpenFails(cutAtHeader, 'corrupt_file', /truncated: page 0 starts at byte \d+, past the end/);
  });

  it('reports TIFF pixel data past the end of the file as corrupt', async () => {
    await expectOpenFails(
      await fixtures.writeTiffWithDataPastEnd(directory),
      'corrupt_file',
      /pixel data runs to byte \d+ but the file has \d+ bytes/,
    );
  });

  it('reports a truncated PNG as corrupt', async () => {
    await expectOpenFails(await fixtures.writeTruncatedPng(directory), 'corrupt_file', /Cannot decode/);
  });

  it('refuses a TIFF declaring a side over the limit before reading its pixels', async () => {
    await expectOpenFails(
      await fixtures.writeHugeDeclaredTiff(directory, 250_000),
      'slide_too_large',
      /250000×1990 px page 0, over the 200000 px per side limit/,
    );
  });

  it('refuses a PNG declaring a huge size (a decompression bomb) without decoding it', async () => {
    await expectOpenFails(await fixtures.writeHugeDeclaredPng(directory, 250_000), 'slide_too_large', /250000×250000/);
    await expectOpenFails(
      await fixtures.writeHugeDeclaredPng(directory, 20_000),
      'slide_too_large',
      /over the 100000000-pixel limit for images decoded whole/,
    );
  });

  it('applies the configured limits', async () => {
    const pyramid = await fixtures.writePyramidalTiff(directory);
    await expectOpenFails(pyramid, 'slide_too_large', /over the 2000 px per side limit/, { maxSideLengthPx: 2000 });
    await expect(openSlide(pyramid, { maxSideLengthPx: 3000 }).then((slide) => slide.close())).resolves.toBeUndefined();
    await expectOpenFails(await fixtures.writePng(directory), 'slide_too_large', /pixel limit/, {
      maxDecodedPixels: 1_000_000,
    });
  });

  it('detectSlideFormat fails the same way', async () => {
    await expect(detectSlideFormat(await fixtures.writeNonImage(directory))).rejects.toSatisfy((error) =>
      PathLensError.is(error, 'unsupported_format'),
    );
    await expect(detectSlideFormat(await fixtures.writeTruncatedTiff(directory))).rejects.toSatisfy((error) =>
      PathLensError.is(error, 'corrupt_file'),
    );
    await expect(detectSlideFormat(path.join(directory, 'missing.tif'))).rejects.toSatisfy((error) =>
      PathLensError.is(error, 'not_found'),
    );
  });
});

import { fromFile, type GeoTIFF, type ImageFileDirectory } from 'geotiff';
import { PathLensError } from '@pathlens/core';

/** What PathLens needs to know about one TIFF page (IFD), read from its tags only. */
export interface TiffPage {
  /** Position in the IFD chain; sharp's `page` option. For a SubIFD, its parent page's index. */
  index: number;
  /** For a page reached through its parent's SubIFDs tag: its position there (sharp's `subifd`). */
  subIfdIndex?: number;
  widthPx: number;
  heightPx: number;
  /** Tile width in pixels; null when the page is stored in strips. */
  tileWidthPx: number | null;
  /** Tile height in pixels; null when the page is stored in strips. */
  tileHeightPx: number | null;
  /** TIFF Compression code (1 none, 5 LZW, 7 JPEG, 8 Deflate, 33003/33005 Aperio JPEG 2000). */
  compression: number;
  /** ImageDescription without trailing NULs; null when absent. */
  description: string | null;
  /** NewSubfileType bit field (bit 0: reduced-resolution copy of another page). */
  newSubfileType: number;
  /** Pixels per resolution unit; null when the tags are absent. */
  resolution: { x: number; y: number; unit: 'inch' | 'centimeter' | 'none' } | null;
  /** Byte offsets of the page's SubIFDs (tag 330; OME-TIFF keeps pyramid levels there). */
  subIfdOffsets: number[];
  /** Tag numbers present, for recognising vendor formats (NDPI's 65420 and up). */
  tagNumbers: number[];
  /** XMP packet (tag 700) as text; null when absent. Ventana BIF says `iScan` there. */
  xmp: string | null;
  /** Pages found through this page's SubIFDs, in tag order (filled by `readTiffPages`). */
  subPages: TiffPage[];
}

/** Tags, by number: geotiff's name table lacks some and numbers are what the spec uses. */
const tag = {
  newSubfileType: 254,
  imageWidth: 256,
  imageLength: 257,
  compression: 259,
  imageDescription: 270,
  stripOffsets: 273,
  stripByteCounts: 279,
  xResolution: 282,
  yResolution: 283,
  resolutionUnit: 296,
  tileWidth: 322,
  tileLength: 323,
  tileOffsets: 324,
  tileByteCounts: 325,
  subIfds: 330,
  xmp: 700,
} as const;

/** Slides have a handful of pages; a longer chain is a loop or garbage. */
const maxPages = 256;

/**
 * Lists the pages of a TIFF or BigTIFF file from its IFD chain, checking the chain and each
 * page's pixel data lie inside the file (a truncated copy fails here, not on a later read).
 * Throws `corrupt_file` naming what is wrong.
 *
 * `checkPage` runs on each page before its pixel-data extents are loaded, so a size guard can
 * reject a file that declares absurd dimensions before anything large is read.
 */
export async function readTiffPages(
  filePath: string,
  fileSizeBytes: number,
  checkPage: (page: TiffPage) => void = () => {},
): Promise<TiffPage[]> {
  let tiff: GeoTIFF | undefined;
  try {
    tiff = await fromFile(filePath);
    const pages: TiffPage[] = [];
    const seenOffsets = new Set<number>();
    let offset = tiff.firstIFDOffset;
    while (offset !== 0) {
      if (pages.length >= maxPages) throw corrupt(filePath, `more than ${maxPages} pages (the IFD chain may loop)`);
      if (seenOffsets.has(offset)) throw corrupt(filePath, `the IFD chain loops back to byte ${offset}`);
      seenOffsets.add(offset);
      const { page, nextOffset } = await readPageAt(
        tiff,
        offset,
        { index: pages.length },
        fileSizeBytes,
        filePath,
        checkPage,
      );
      for (const [subIfdIndex, subOffset] of page.subIfdOffsets.entries()) {
        if (subIfdIndex >= maxPages || seenOffsets.has(subOffset)) break;
        seenOffsets.add(subOffset);
        page.subPages.push(
          (await readPageAt(tiff, subOffset, { index: page.index, subIfdIndex }, fileSizeBytes, filePath, checkPage))
            .page,
        );
      }
      pages.push(page);
      offset = nextOffset;
    }
    if (pages.length === 0) throw corrupt(filePath, 'the TIFF has no pages');
    return pages;
  } catch (error) {
    if (PathLensError.is(error)) throw error;
    throw corrupt(filePath, `its TIFF structure cannot be parsed (${(error as Error).message})`, error);
  } finally {
    await tiff?.close();
  }
}

/**
 * The first page's tags only: enough to recognise a vendor TIFF (NDPI, SCN, BIF, Philips) that
 * OpenSlide reads, without the page-chain checks such files need not pass (NDPI over 4 GB stores
 * offsets modulo 2³²). Throws `corrupt_file` when not even the first page parses.
 */
export async function readFirstTiffPage(filePath: string, fileSizeBytes: number): Promise<TiffPage> {
  let tiff: GeoTIFF | undefined;
  try {
    tiff = await fromFile(filePath);
    await checkDirectoryFits(tiff, tiff.firstIFDOffset, fileSizeBytes, filePath, 0);
    return await describePage(await tiff.parser.parseFileDirectoryAt(tiff.firstIFDOffset), { index: 0 }, filePath);
  } catch (error) {
    if (PathLensError.is(error)) throw error;
    throw corrupt(filePath, `its TIFF structure cannot be parsed (${(error as Error).message})`, error);
  } finally {
    await tiff?.close();
  }
}

async function readPageAt(
  tiff: GeoTIFF,
  offset: number,
  position: { index: number; subIfdIndex?: number },
  fileSizeBytes: number,
  filePath: string,
  checkPage: (page: TiffPage) => void,
): Promise<{ page: TiffPage; nextOffset: number }> {
  await checkDirectoryFits(tiff, offset, fileSizeBytes, filePath, position.index);
  const directory = await tiff.parser.parseFileDirectoryAt(offset);
  const page = await describePage(directory, position, filePath);
  checkPage(page);
  await checkPixelDataFits(directory, page, fileSizeBytes, filePath);
  return { page, nextOffset: directory.nextIFDByteOffset };
}

function corrupt(filePath: string, reason: string, cause?: unknown): PathLensError {
  return new PathLensError(
    'corrupt_file',
    `${filePath} is damaged or truncated: ${reason}. Copy the slide again from its source.`,
    { path: filePath, reason },
    { cause },
  );
}

/** geotiff reads past the end of a file as zeros, so check the IFD really is in the file. */
async function checkDirectoryFits(
  tiff: GeoTIFF,
  offset: number,
  fileSizeBytes: number,
  filePath: string,
  pageIndex: number,
): Promise<void> {
  const countSizeBytes = tiff.bigTiff ? 8 : 2;
  const entrySizeBytes = tiff.bigTiff ? 20 : 12;
  if (offset + countSizeBytes > fileSizeBytes) {
    throw corrupt(
      filePath,
      `page ${pageIndex} starts at byte ${offset}, past the end of the ${fileSizeBytes}-byte file`,
    );
  }
  const slice = await tiff.getSlice(offset, countSizeBytes);
  const entryCount = tiff.bigTiff ? slice.readUint64(offset) : slice.readUint16(offset);
  const endByte = offset + countSizeBytes + entryCount * entrySizeBytes + countSizeBytes;
  if (entryCount === 0 || endByte > fileSizeBytes) {
    throw corrupt(
      filePath,
      `page ${pageIndex}'s directory (${entryCount} entries at byte ${offset}) does not fit in the file`,
    );
  }
}

async function describePage(
  directory: ImageFileDirectory,
  position: { index: number; subIfdIndex?: number },
  filePath: string,
): Promise<TiffPage> {
  const { index } = position;
  const name = position.subIfdIndex === undefined ? `page ${index}` : `page ${index} SubIFD ${position.subIfdIndex}`;
  const widthPx = toNumber(await directory.loadValue(tag.imageWidth));
  const heightPx = toNumber(await directory.loadValue(tag.imageLength));
  if (!widthPx || !heightPx) throw corrupt(filePath, `${name} has no ImageWidth/ImageLength`);
  const description = directory.hasTag(tag.imageDescription)
    ? utf8Text(String(await directory.loadValue(tag.imageDescription)))
    : null;
  return {
    ...position,
    widthPx,
    heightPx,
    tileWidthPx: directory.hasTag(tag.tileWidth) ? toNumber(await directory.loadValue(tag.tileWidth)) : null,
    tileHeightPx: directory.hasTag(tag.tileLength) ? toNumber(await directory.loadValue(tag.tileLength)) : null,
    compression: toNumber(await directory.loadValue(tag.compression)) ?? 1,
    description: description?.replace(/\0+$/, '') ?? null,
    newSubfileType: toNumber(await directory.loadValue(tag.newSubfileType)) ?? 0,
    resolution: await readResolution(directory),
    subIfdOffsets: directory.hasTag(tag.subIfds)
      ? Array.from((await directory.loadValue(tag.subIfds)) as ArrayLike<number | bigint>, Number)
      : [],
    tagNumbers: tagNumbersOf(directory),
    xmp: directory.hasTag(tag.xmp) ? textOf(await directory.loadValue(tag.xmp)) : null,
    subPages: [],
  };
}

function tagNumbersOf(directory: ImageFileDirectory): number[] {
  const numbers = new Set<number>();
  for (const key of [
    ...directory.actualizedFields.keys(),
    ...directory.deferredFields.keys(),
    ...directory.deferredArrays.keys(),
  ]) {
    const value = Number(key);
    if (Number.isInteger(value)) numbers.add(value);
  }
  return [...numbers].sort((first, second) => first - second);
}

/**
 * geotiff turns ASCII tags into one character per byte; OME-XML and other XML descriptions are
 * UTF-8 in practice ("µm" arrives as "Âµm"), so re-read such text as UTF-8 when it is valid UTF-8.
 */
function utf8Text(text: string): string {
  if (!/[\u0080-\u00ff]/.test(text)) return text;
  const decoded = Buffer.from(text, 'latin1').toString('utf8');
  return decoded.includes('\uFFFD') ? text : decoded;
}

/** XMP arrives as BYTE/UNDEFINED values (or a string from some writers). */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  return Buffer.from(Uint8Array.from(value as ArrayLike<number>)).toString('utf8');
}

async function readResolution(directory: ImageFileDirectory): Promise<TiffPage['resolution']> {
  if (!directory.hasTag(tag.xResolution) || !directory.hasTag(tag.yResolution)) return null;
  const x = rational(await directory.loadValue(tag.xResolution));
  const y = rational(await directory.loadValue(tag.yResolution));
  if (x === null || y === null) return null;
  // TIFF 6.0: ResolutionUnit defaults to 2 (inch) when absent.
  const unitCode = toNumber(await directory.loadValue(tag.resolutionUnit)) ?? 2;
  const unit = unitCode === 3 ? 'centimeter' : unitCode === 1 ? 'none' : 'inch';
  return { x, y, unit };
}

/** A RATIONAL arrives as [numerator, denominator]. */
function rational(value: unknown): number | null {
  const parts = Array.from(value as ArrayLike<number | bigint>, Number);
  const [numerator, denominator] = parts;
  if (numerator === undefined) return null;
  const result = parts.length >= 2 && denominator ? numerator / denominator : numerator;
  return Number.isFinite(result) && result > 0 ? result : null;
}

function toNumber(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value);
  const first = (value as ArrayLike<number | bigint>)[0];
  return first === undefined ? null : Number(first);
}

/** Every tile (or strip) of the page must end inside the file. */
async function checkPixelDataFits(
  directory: ImageFileDirectory,
  page: TiffPage,
  fileSizeBytes: number,
  filePath: string,
): Promise<void> {
  const tiled = page.tileWidthPx !== null;
  const offsetsTag = tiled ? tag.tileOffsets : tag.stripOffsets;
  const countsTag = tiled ? tag.tileByteCounts : tag.stripByteCounts;
  if (!directory.hasTag(offsetsTag) || !directory.hasTag(countsTag)) {
    throw corrupt(filePath, `page ${page.index} has no ${tiled ? 'TileOffsets' : 'StripOffsets'}`);
  }
  // A damaged count could ask for gigabytes; a real offsets array is itself stored in the file.
  for (const arrayTag of [offsetsTag, countsTag]) {
    const deferred = directory.deferredArrays.get(arrayTag);
    if (deferred && deferred.length * 2 > fileSizeBytes) {
      throw corrupt(
        filePath,
        `page ${page.index} claims ${deferred.length} tiles or strips, more than the file can hold`,
      );
    }
  }
  const offsets = Array.from((await directory.loadValue(offsetsTag)) as ArrayLike<number | bigint>, Number);
  const byteCounts = Array.from((await directory.loadValue(countsTag)) as ArrayLike<number | bigint>, Number);
  let endByte = 0;
  for (let index = 0; index < offsets.length; index++) {
    endByte = Math.max(endByte, (offsets[index] ?? 0) + (byteCounts[index] ?? 0));
  }
  if (endByte > fileSizeBytes) {
    throw corrupt(
      filePath,
      `page ${page.index}'s pixel data runs to byte ${endByte} but the file has ${fileSizeBytes} bytes`,
    );
  }
}

import { open, type FileHandle } from 'node:fs/promises';
import { corruptDicom } from './read-dicom-header.ts';
import type { DicomInstance } from './dicom-instance.ts';

/**
 * Where each frame's bytes lie in the file. Native (uncompressed) frames are contiguous
 * fixed-size runs; an encapsulated frame is one or more fragment items, so `start[i]`..`end[i]`
 * spans the frame's items, headers included (`readFrameBytes` strips them).
 */
export interface FrameLocations {
  encapsulated: boolean;
  /** Absolute byte offsets, one per frame. */
  start: Float64Array;
  end: Float64Array;
}

const itemTag = 0xe000fffe; // (FFFE,E000) read as a little-endian uint32
const sequenceDelimiterTag = 0xe0ddfffe; // (FFFE,E0DD)

/**
 * Locates every frame of an instance, checking that all of them lie inside the file, so that a
 * truncated copy fails at open. Encapsulated data uses the Basic (or Extended) Offset Table when
 * there is one, and otherwise walks the fragment items (a new frame starts at each JPEG SOI
 * marker when frames span several fragments). Throws `corrupt_file`.
 */
export async function locateFrames(instance: DicomInstance): Promise<FrameLocations> {
  const { header, frameCount } = instance;
  const { filePath, fileSizeBytes } = header;
  if (header.pixelDataOffset === null) throw corruptDicom(filePath, 'it has no Pixel Data');
  const dataOffset = header.pixelDataOffset;

  if (instance.transferSyntax.pixels === 'native') {
    const frameBytes =
      instance.tileWidthPx * instance.tileHeightPx * instance.samplesPerPixel * Math.ceil(instance.bitsAllocated / 8);
    const endByte = dataOffset + frameBytes * frameCount;
    if (
      endByte > fileSizeBytes ||
      (header.pixelDataLengthBytes !== null && header.pixelDataLengthBytes < frameBytes * frameCount)
    ) {
      throw corruptDicom(
        filePath,
        `its ${frameCount} frames of ${frameBytes} bytes run to byte ${endByte} but the file has ${fileSizeBytes} bytes`,
      );
    }
    const start = new Float64Array(frameCount);
    const end = new Float64Array(frameCount);
    for (let frame = 0; frame < frameCount; frame++) {
      start[frame] = dataOffset + frame * frameBytes;
      end[frame] = start[frame]! + frameBytes;
    }
    return { encapsulated: false, start, end };
  }

  const handle = await open(filePath, 'r');
  try {
    const items = new ItemReader(handle, filePath, fileSizeBytes);
    const offsetTable = await items.at(dataOffset);
    if (!offsetTable) throw corruptDicom(filePath, 'its encapsulated Pixel Data has no offset table item');
    const firstFragmentOffset = offsetTable.dataOffset + offsetTable.lengthBytes;
    const tableOffsets =
      offsetTable.lengthBytes > 0 ? await items.uint32s(offsetTable.dataOffset, offsetTable.lengthBytes / 4) : [];
    const start = new Float64Array(frameCount);
    const end = new Float64Array(frameCount);

    if (tableOffsets.length === frameCount) {
      for (let frame = 0; frame < frameCount; frame++) start[frame] = firstFragmentOffset + tableOffsets[frame]!;
      for (let frame = 0; frame < frameCount - 1; frame++) end[frame] = start[frame + 1]!;
      // The last frame runs to the sequence delimiter: walk its items (this also catches truncation).
      let position = start[frameCount - 1]!;
      for (let item = await items.at(position); item; item = await items.at(position))
        position = item.dataOffset + item.lengthBytes;
      end[frameCount - 1] = position;
      for (let frame = 0; frame < frameCount; frame++) {
        if (!(end[frame]! > start[frame]!) || end[frame]! > fileSizeBytes)
          throw corruptDicom(filePath, `frame ${frame + 1}'s offset table entry points outside its pixel data`);
      }
      return { encapsulated: true, start, end };
    }

    // No usable offset table: walk every fragment item.
    const fragments: Array<{ offset: number; endOffset: number; startsWithSoi: boolean }> = [];
    let position = firstFragmentOffset;
    for (let item = await items.at(position, true); item; item = await items.at(position, true)) {
      fragments.push({
        offset: position,
        endOffset: item.dataOffset + item.lengthBytes,
        startsWithSoi: item.startsWithSoi,
      });
      position = item.dataOffset + item.lengthBytes;
      if (fragments.length > frameCount * 64 + 1024)
        throw corruptDicom(filePath, `its pixel data has far more fragments than its ${frameCount} frames`);
    }
    const frameStarts =
      fragments.length === frameCount
        ? fragments.map((_, index) => index)
        : fragments.flatMap((fragment, index) => (fragment.startsWithSoi ? [index] : []));
    if (frameStarts.length !== frameCount) {
      throw corruptDicom(filePath, `it declares ${frameCount} frames but its pixel data holds ${frameStarts.length}`);
    }
    frameStarts.forEach((fragmentIndex, frame) => {
      start[frame] = fragments[fragmentIndex]!.offset;
      const nextStart = frameStarts[frame + 1];
      end[frame] = nextStart === undefined ? fragments.at(-1)!.endOffset : fragments[nextStart]!.offset;
    });
    return { encapsulated: true, start, end };
  } finally {
    await handle.close();
  }
}

/** A frame's encoded bytes: the fragment payloads concatenated (encapsulated) or the raw samples. */
export async function readFrameBytes(handle: FileHandle, locations: FrameLocations, frame: number): Promise<Buffer> {
  const start = locations.start[frame]!;
  const lengthBytes = locations.end[frame]! - start;
  const bytes = Buffer.allocUnsafe(lengthBytes);
  const { bytesRead } = await handle.read(bytes, 0, lengthBytes, start);
  if (bytesRead !== lengthBytes)
    throw new Error(`frame ${frame + 1} is cut short: read ${bytesRead} of ${lengthBytes} bytes`);
  if (!locations.encapsulated) return bytes;
  const payloads: Buffer[] = [];
  for (let position = 0; position + 8 <= bytes.length;) {
    if (bytes.readUInt32LE(position) !== itemTag)
      throw new Error(`frame ${frame + 1} has no fragment item at byte ${start + position}`);
    const itemLength = bytes.readUInt32LE(position + 4);
    payloads.push(bytes.subarray(position + 8, position + 8 + itemLength));
    position += 8 + itemLength;
  }
  return payloads.length === 1 ? payloads[0]! : Buffer.concat(payloads);
}

/** Reads item headers (tag + 32-bit length) with a small read-ahead buffer. */
class ItemReader {
  #buffer = Buffer.alloc(0);
  #bufferOffset = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly filePath: string,
    private readonly fileSizeBytes: number,
  ) {}

  /** The item at `offset`, or null at the sequence delimiter. */
  async at(
    offset: number,
    peekSoi = false,
  ): Promise<{ dataOffset: number; lengthBytes: number; startsWithSoi: boolean } | null> {
    // The sequence delimiter is 8 bytes and may end the file, so peek at the JPEG marker only when there is room.
    const header = await this.#bytes(offset, peekSoi && offset + 10 <= this.fileSizeBytes ? 10 : 8);
    const tagValue = header.readUInt32LE(0);
    if (tagValue === sequenceDelimiterTag) return null;
    if (tagValue !== itemTag)
      throw corruptDicom(
        this.filePath,
        `expected a pixel data item at byte ${offset}, found tag ${tagValue.toString(16)}`,
      );
    const lengthBytes = header.readUInt32LE(4);
    if (offset + 8 + lengthBytes > this.fileSizeBytes) {
      throw corruptDicom(
        this.filePath,
        `a pixel data fragment at byte ${offset} runs to byte ${offset + 8 + lengthBytes} but the file has ${this.fileSizeBytes} bytes`,
      );
    }
    return {
      dataOffset: offset + 8,
      lengthBytes,
      startsWithSoi: header.length >= 10 && lengthBytes >= 2 && header[8] === 0xff && header[9] === 0xd8,
    };
  }

  async uint32s(offset: number, count: number): Promise<number[]> {
    const bytes = await this.#bytes(offset, count * 4);
    return Array.from({ length: count }, (_, index) => bytes.readUInt32LE(index * 4));
  }

  async #bytes(offset: number, lengthBytes: number): Promise<Buffer> {
    if (offset + lengthBytes > this.fileSizeBytes) {
      throw corruptDicom(
        this.filePath,
        `its pixel data is cut off at byte ${this.fileSizeBytes} (an item header at byte ${offset} is missing)`,
      );
    }
    const inBuffer = offset - this.#bufferOffset;
    if (inBuffer < 0 || inBuffer + lengthBytes > this.#buffer.length) {
      // Small reads: fragments are tens of kilobytes, so a larger read-ahead would read the pixels too.
      this.#buffer = Buffer.alloc(Math.max(lengthBytes, 4096));
      const { bytesRead } = await this.handle.read(this.#buffer, 0, this.#buffer.length, offset);
      this.#buffer = this.#buffer.subarray(0, bytesRead);
      this.#bufferOffset = offset;
      return this.#buffer.subarray(0, lengthBytes);
    }
    return this.#buffer.subarray(inBuffer, inBuffer + lengthBytes);
  }
}

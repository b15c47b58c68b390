/** Images as they cross between threads: one packed buffer (transferred, not copied) and their sizes. */
export interface PackedImages {
  pixels: ArrayBuffer;
  sizes: { widthPx: number; heightPx: number }[];
}

/** RGB pixels, row-major, 3 bytes a pixel. */
interface PackableImage {
  data: Uint8Array;
  widthPx: number;
  heightPx: number;
}

/**
 * Copy images into one fresh buffer that can be transferred: the callers' own buffers are
 * never detached (a sharp output may be a view into a shared pool).
 *
 * @example
 * const packed = packImages(images);
 * port.postMessage({ images: packed }, [packed.pixels]);
 */
export function packImages(images: PackableImage[]): PackedImages {
  const totalBytes = images.reduce((sum, image) => sum + image.data.byteLength, 0);
  const pixels = new ArrayBuffer(totalBytes);
  const view = new Uint8Array(pixels);
  let offset = 0;
  for (const image of images) {
    view.set(image.data, offset);
    offset += image.data.byteLength;
  }
  return { pixels, sizes: images.map(({ widthPx, heightPx }) => ({ widthPx, heightPx })) };
}

/** Views into the packed buffer, no copy: `data` is a Buffer (a Uint8Array) over its part. */
export function unpackImages(packed: PackedImages): { data: Buffer; widthPx: number; heightPx: number }[] {
  let offset = 0;
  return packed.sizes.map(({ widthPx, heightPx }) => {
    const byteLength = widthPx * heightPx * 3;
    const data = Buffer.from(packed.pixels, offset, byteLength);
    offset += byteLength;
    return { data, widthPx, heightPx };
  });
}

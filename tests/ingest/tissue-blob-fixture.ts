/**
 * A synthetic slide with tissue of known shapes, for the tissue detector: textured stain
 * "blobs" on white glass, written as a JPEG-tiled pyramidal TIFF at 2 µm/px (resolution tags).
 * Sizes are chosen around the detector's defaults (8 µm mask pixels, blur 7, close 4,
 * minimum tissue and hole areas 0.016 mm²).
 */
import path from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../helpers/vectors.ts';

export const blobSlide = {
  widthPx: 2000,
  heightPx: 1500,
  mpp: 2,
  /** A rectangle of tissue with a big hole (kept) and a small hole (filled). */
  frame: { x: 200, y: 200, width: 700, height: 900 },
  bigHole: { x: 350, y: 450, width: 400, height: 400 },
  /** 50 µm: under the minimum hole area (0.0025 mm² < 0.016), so filled. */
  smallHole: { x: 250, y: 950, width: 25, height: 25 },
  disc: { centreX: 1500, centreY: 500, radius: 300 },
  /** 200 µm square: 0.04 mm², above the minimum tissue area: kept. */
  piece: { x: 1300, y: 1150, width: 100, height: 100 },
  /** 100 µm square: 0.01 mm², under the minimum tissue area: dropped. */
  speck: { x: 1750, y: 1200, width: 50, height: 50 },
} as const;

type Rect = { x: number; y: number; width: number; height: number };
const inside = (rect: Rect, x: number, y: number) =>
  x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height;

/** Level-0 truth: is (x, y) tissue after the detector's area rules (speck dropped, small hole filled)? */
export function expectedTissueAt(x: number, y: number): boolean {
  const { frame, bigHole, disc, piece } = blobSlide;
  if (inside(frame, x, y) && !inside(bigHole, x, y)) return true;
  if ((x - disc.centreX) ** 2 + (y - disc.centreY) ** 2 <= disc.radius ** 2) return true;
  return inside(piece, x, y);
}

/** Expected tissue area in level-0 px², per piece. */
export const expectedAreasPx2 = {
  frame: blobSlide.frame.width * blobSlide.frame.height - blobSlide.bigHole.width * blobSlide.bigHole.height,
  disc: Math.PI * blobSlide.disc.radius ** 2,
  piece: blobSlide.piece.width * blobSlide.piece.height,
};

export async function writeBlobSlide(directory: string): Promise<string> {
  const { widthPx, heightPx, frame, bigHole, smallHole, disc, piece, speck } = blobSlide;
  const random = seededRandom(11);
  const data = Buffer.alloc(widthPx * heightPx * 3, 0);
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx; x++) {
      const offset = (y * widthPx + x) * 3;
      const inFrame = inside(frame, x, y) && !inside(bigHole, x, y) && !inside(smallHole, x, y);
      const inDisc = (x - disc.centreX) ** 2 + (y - disc.centreY) ** 2 <= disc.radius ** 2;
      const inPiece = inside(piece, x, y) || inside(speck, x, y);
      const jitter = Math.round((random() - 0.5) * 30);
      // Glass: near-white with a little noise; tissue: purple or pink with texture.
      const colour = inFrame || inPiece ? [150, 80, 170] : inDisc ? [225, 135, 185] : [244, 242, 243];
      const amount = inFrame || inDisc || inPiece ? jitter : Math.round(jitter / 6);
      for (let channel = 0; channel < 3; channel++)
        data[offset + channel] = Math.max(0, Math.min(255, colour[channel]! + amount));
    }
  }
  const filePath = path.join(directory, 'tissue-blobs.tif');
  const pixelsPerMm = 1000 / blobSlide.mpp;
  await sharp(data, { raw: { width: widthPx, height: heightPx, channels: 3 } })
    .tiff({
      tile: true,
      pyramid: true,
      compression: 'jpeg',
      quality: 90,
      tileWidth: 256,
      tileHeight: 256,
      xres: pixelsPerMm,
      yres: pixelsPerMm,
      resolutionUnit: 'cm',
    })
    .toFile(filePath);
  return filePath;
}

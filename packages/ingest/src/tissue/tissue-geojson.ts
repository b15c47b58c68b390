import { contours } from 'd3-contour';
import type { TissueMask } from './tissue-mask.ts';

type Ring = [number, number][];

/** A GeoJSON FeatureCollection of tissue outlines in level-0 pixels, as QuPath imports them. */
export interface TissueFeatureCollection {
  type: 'FeatureCollection';
  features: {
    type: 'Feature';
    geometry: { type: 'Polygon'; coordinates: Ring[] };
    properties: {
      objectType: 'annotation';
      name: string;
      classification: { name: 'Tissue'; color: [number, number, number] };
      isLocked: boolean;
      /** Area inside the outline less its holes, level-0 px². */
      areaLevel0Px2: number;
    };
  }[];
}

/**
 * Outlines of the tissue mask as GeoJSON polygons (outer ring, then holes) in level-0 pixel
 * coordinates, one annotation per piece of tissue, classified "Tissue": QuPath opens the file
 * over the slide (File → Import objects), and so does any GeoJSON tool. Traced by marching
 * squares (d3-contour) along the mask pixels' edges, so outlines follow the mask to within
 * half a mask pixel.
 *
 * @example
 * await writeFile('tissue.geojson', JSON.stringify(tissueGeoJson(mask)));
 */
export function tissueGeoJson(mask: TissueMask): TissueFeatureCollection {
  const values = Array.from(mask.data);
  const [multiPolygon] = contours().size([mask.widthPx, mask.heightPx]).smooth(false).thresholds([0.5])(values);
  const polygons = (multiPolygon?.coordinates ?? []) as Ring[][];
  const toLevel0 = (ring: Ring): Ring =>
    ring.map(([x, y]) => [roundTenth(x * mask.downsampleX), roundTenth(y * mask.downsampleY)]);
  const pieces = polygons
    .map((rings) => rings.map(toLevel0))
    .map((rings) => ({
      rings,
      area: Math.abs(ringArea(rings[0]!)) - rings.slice(1).reduce((sum, hole) => sum + Math.abs(ringArea(hole)), 0),
    }))
    .sort((left, right) => right.area - left.area);
  return {
    type: 'FeatureCollection',
    features: pieces.map((piece, index) => ({
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: piece.rings },
      properties: {
        objectType: 'annotation',
        name: `Tissue ${index + 1}`,
        classification: { name: 'Tissue', color: [0, 160, 80] },
        isLocked: false,
        areaLevel0Px2: Math.round(piece.area),
      },
    })),
  };
}

/** Shoelace formula: signed area of a closed ring. */
export function ringArea(ring: Ring): number {
  let twiceArea = 0;
  for (let index = 0; index < ring.length - 1; index++) {
    const [x1, y1] = ring[index]!;
    const [x2, y2] = ring[index + 1]!;
    twiceArea += x1 * y2 - x2 * y1;
  }
  return twiceArea / 2;
}

function roundTenth(value: number): number {
  return Math.round(value * 10) / 10;
}

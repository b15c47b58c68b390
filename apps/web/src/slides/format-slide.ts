import type { Slide } from '../api/api-types.ts';

export const formatMpp = (slide: Slide) => (slide.mpp_x ? `${slide.mpp_x.toFixed(3)} µm/px` : 'unknown');

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export const formatBytes = (bytes: number) =>
  bytes >= 1_073_741_824 ? `${(bytes / 1_073_741_824).toFixed(2)} GB` : `${(bytes / 1_048_576).toFixed(1)} MB`;

/** patch count × patch area × mpp², in mm²: an upper bound (edge patches are partly background). */
export function tissueAreaMm2(slide: Slide): number | null {
  if (!slide.mpp_x || !slide.patch_size_level0_px) return null;
  const patchSideMm = (slide.patch_size_level0_px * slide.mpp_x) / 1000;
  return slide.patch_count * patchSideMm * patchSideMm;
}

import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { openSlide } from './packages/slide-reader/src/index.ts';
import { patchGrid } from './packages/ingest/src/patch-grid.ts';
function stats(data: Buffer, sat: number, val: number) {
  let tissue = 0; const n = data.length / 3;
  for (let i = 0; i < data.length; i += 3) {
    const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
    const max = Math.max(r, g, b), min = Math.min(r, g, b);
    if (max > 0 && (max - min) / max > sat && (r + g + b) / 765 < val) tissue++;
  }
  return tissue / n;
}
const slide = await openSlide('/work/shared/data/wsi/CMU-1-Small-Region.svs');
const grid = patchGrid({ widthPx: 2220, heightPx: 2967, patchSizePx: 224, minEdgeCoverage: 1 });
for (const [sat, val] of [[0.07, 0.92], [0.07, 0.9], [0.1, 0.9]] as const) {
  const fr: number[] = [];
  for (const c of grid) { const im = await slide.readRegion({ level: 0, xLevel0: c.xLevel0, yLevel0: c.yLevel0, widthPx: 224, heightPx: 224 }); fr.push(stats(im.data, sat, val)); }
  const hist = [0, 0.05, 0.1, 0.25, 0.5, 0.75, 1.01].map((t, i, a) => i === 0 ? '' : `${a[i - 1]}-${t}:${fr.filter((f) => f >= a[i - 1]! && f < t).length}`).join(' ');
  console.log(sat, val, hist, 'tissue@0.25', fr.filter(f => f >= 0.25).length);
  if (sat === 0.07 && val === 0.92) for (let r = 0; r < 13; r++) console.log(fr.slice(r * 9, r * 9 + 9).map((f) => f.toFixed(2)).join(' '));
}
const dir = '/work/shared/data/patches/crc-val-he-7k-32';
for (const f of readdirSync(dir).filter((f) => f.endsWith('.png'))) {
  const { data } = await sharp(`${dir}/${f}`).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  console.log(f.padEnd(26), [[0.07, 0.92], [0.07, 0.9], [0.1, 0.9]].map(([s, v]) => stats(data, s!, v!).toFixed(2)).join(' '));
}

import { openSlide } from './packages/slide-reader/src/index.ts';
const s = await openSlide('/work/shared/data/wsi/CMU-1-Small-Region.svs');
for (const [x, y] of [[100, 2800], [1100, 1507], [200, 200], [2100, 300], [1300, 1000]]) {
  const r = await s.readRegion({ level: 0, xLevel0: x! - 4, yLevel0: y! - 4, widthPx: 9, heightPx: 9 });
  const m = [0, 0, 0]; for (let i = 0; i < r.data.length; i += 3) { m[0] += r.data[i]!; m[1] += r.data[i + 1]!; m[2] += r.data[i + 2]!; }
  console.log(x, y, m.map((v) => Math.round(v / 81)));
}

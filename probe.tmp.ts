import sharp from 'sharp';
const mk = async (name: string, w: number, h: number, opts: object) => { const f = `.tmp/fx/${name}.tif`; await sharp({ create: { width: w, height: h, channels: 3, background: '#a0a0f0' } }).tiff(opts).toFile(f); return f; };
const twice = async (f: string, page = 0) => { const one = () => sharp(f, { page, limitInputPixels: false }).raw().toBuffer().then(() => 'ok', (e) => 'FAIL'); return [await one(), await one()].join(','); };
for (const [w, h] of [[200, 150], [2000, 1500], [3000, 2000]]) for (const opts of [{ compression: 'none' }, { compression: 'lzw' }, { compression: 'jpeg' }]) {
  const f = await mk(`s-${w}-${(opts as any).compression}`, w, h, opts);
  console.log(w, h, (opts as any).compression, await twice(f));
}

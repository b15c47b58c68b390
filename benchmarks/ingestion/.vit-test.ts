import { ClipImageEncoder } from '@pathlens/encoders';
import { ensureVitB32Model, vitB32ModelId } from './vit-b32-model.ts';
const modelsDir = await ensureVitB32Model();
const encoder = await ClipImageEncoder.load({ modelsDir, modelId: vitB32ModelId });
const images = Array.from({ length: 16 }, (_, i) => ({ data: Buffer.alloc(224 * 224 * 3, 100 + i), widthPx: 224, heightPx: 224 }));
for (let run = 0; run < 3; run++) {
  const t = performance.now();
  const out = await encoder.embedImages(images);
  console.log(out.length, out[0]!.length, ((performance.now() - t) / 1000).toFixed(2), 's', Array.from(out[0]!.slice(0, 3)));
}
await encoder.dispose();

/**
 * The worker thread's side of `PatchReaderThread`: open the slide, then read, resize and check the cells the parent
 * sends (one request at a time, several reads in flight), and send the tissue patches back in one transferred buffer;
 * at the end, cluster the slide's embeddings into its prototypes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { packImages, serialiseError } from '@pathlens/core';
import { openSlide, type RgbImage, type SlideReader } from '@pathlens/slide-reader';
import { measureTissue } from '../../background-filter.ts';
import { computePrototypes } from '../../prototypes/slide-prototypes.ts';
import { readPatch } from '../../tiling/read-patch.ts';
import { mapInOrder } from '../map-in-order.ts';
import type {
  PatchReaderThreadData,
  PatchReaderThreadReply,
  PatchReaderThreadRequest,
} from './patch-reader-thread-protocol.ts';

const port = parentPort;
if (!port) throw new Error('patch-reader-thread-main runs inside a worker thread (see PatchReaderThread)');
const data = workerData as PatchReaderThreadData;
const reply = (message: PatchReaderThreadReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

let reader: SlideReader | null = null;
try {
  reader = await openSlide(data.filePath);
} catch (error) {
  reply({ type: 'load-failed', error: serialiseError(error) });
  port.close();
}

if (reader) {
  const slide = reader;
  const handle = async (request: PatchReaderThreadRequest): Promise<void> => {
    if (request.type === 'close') {
      await slide.close();
      port.close(); // nothing else keeps the thread alive: it exits
      return;
    }
    try {
      if (request.type === 'prototypes') {
        const patches = request.patchIds.map((id, row) => ({
          id,
          embedding: new Float32Array(request.embeddings, row * request.dimension * 4, request.dimension),
        }));
        reply({ type: 'prototypes', id: request.id, prototypes: computePrototypes(patches, request.settings) });
        return;
      }
      const kept: boolean[] = [];
      const images: RgbImage[] = [];
      for await (const image of mapInOrder(request.cells, data.readsInFlight, async (cell) => {
        const patch = await readPatch(slide, cell, data.readPlan, data.inputSizePx);
        return measureTissue(patch, { minTissueFraction: data.minStainedPixelFraction }).isBackground ? null : patch;
      })) {
        kept.push(image !== null);
        if (image) images.push(image);
      }
      const packed = packImages(images);
      reply({ type: 'patches', id: request.id, kept, images: packed }, [packed.pixels]);
    } catch (error) {
      reply({ type: 'failed', id: request.id, error: serialiseError(error) });
    }
  };
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: PatchReaderThreadRequest) => {
    queue = queue.then(() => handle(request));
  });
  reply({ type: 'ready', limits: {} });
}

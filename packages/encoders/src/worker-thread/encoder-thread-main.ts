/**
 * The worker thread's side of `EncoderThread`: load one CLIP tower, then embed what the
 * parent sends, one request at a time, in order. ONNX Runtime blocks this thread while it
 * runs, not the parent's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serialiseError, unpackImages } from '@pathlens/core';
import { ClipImageEncoder } from '../clip/clip-image-encoder.ts';
import { ClipTextEncoder } from '../clip/clip-text-encoder.ts';
import type { ImageEncoder } from '../image-encoder.ts';
import type { TextEncoder } from '../text-encoder.ts';
import {
  packEmbeddings,
  type EncoderThreadData,
  type EncoderThreadLimits,
  type EncoderThreadReply,
  type EncoderThreadRequest,
} from './encoder-thread-protocol.ts';

const port = parentPort;
if (!port) throw new Error('encoder-thread-main runs inside a worker thread (see EncoderThread)');
const data = workerData as EncoderThreadData;
const reply = (message: EncoderThreadReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

type Loaded = { image: ImageEncoder; text?: undefined } | { text: TextEncoder; image?: undefined };

async function load(): Promise<Loaded | null> {
  try {
    return data.tower === 'image'
      ? { image: await ClipImageEncoder.load(data.load) }
      : { text: await ClipTextEncoder.load(data.load) };
  } catch (error) {
    reply({ type: 'load-failed', error: serialiseError(error) });
    port!.close(); // the thread ends: the parent has the reason
    return null;
  }
}

const encoder = await load();
if (encoder) {
  const loaded = encoder.image ?? encoder.text;
  const limits: EncoderThreadLimits = {
    modelId: loaded.modelId,
    embeddingDimension: loaded.embeddingDimension,
    maxBatchSize: loaded.maxBatchSize,
    ...(encoder.image ? { inputSizePx: encoder.image.inputSizePx } : {}),
    ...(encoder.text ? { maxTokens: encoder.text.maxTokens } : {}),
  };

  const handle = async (request: EncoderThreadRequest): Promise<void> => {
    if (request.type === 'dispose') {
      await loaded.dispose();
      port.close(); // nothing else keeps the thread alive: it exits
      return;
    }
    try {
      const embeddings =
        request.type === 'embed-images'
          ? await encoder.image!.embedImages(unpackImages(request.images))
          : await encoder.text!.embedTexts(request.texts);
      const packed = packEmbeddings(embeddings);
      reply({ type: 'embedded', id: request.id, ...packed }, [packed.embeddings]);
    } catch (error) {
      reply({ type: 'failed', id: request.id, error: serialiseError(error) });
    }
  };

  // One request at a time, in order: a second batch waits here rather than doubling the activations in memory.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: EncoderThreadRequest) => {
    queue = queue.then(() => handle(request));
  });
  reply({ type: 'ready', limits });
}

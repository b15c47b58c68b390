import path from 'node:path';
import { requireOnnxFiles, threadBudget, type ModelDtype } from '@pathlens/core';

/** How a CLIP tower is loaded (both `ClipImageEncoder.load` and `ClipTextEncoder.load`). */
export interface ClipLoadOptions {
  /** MODELS_DIR: the model is read from `<modelsDir>/<modelId>/`, never downloaded. */
  modelsDir: string;
  modelId: string;
  /**
   * ONNX weight variant: `fp32` (default), `q8`, `fp16`, `q4` (picks `onnx/<tower><suffix>.onnx`; q8:
   * `_quantized`). A missing file is a `model_not_found` error saying how to make or get it.
   */
  dtype?: ModelDtype;
  /** Most inputs per call the encoder declares (`maxBatchSize`); callers batch to it. Default 64. */
  maxBatchSize?: number;
  /**
   * ONNX Runtime's low-memory settings (default false): no CPU memory arena (activations are
   * freed after each run instead of kept for reuse) and no weight prepacking (which keeps a
   * second, re-laid-out copy of the weights). A full-size ViT-B/32 image tower: ~350 MB less
   * resident, but 0.6–0.8× the images per second (ENCODER_LOW_MEMORY).
   */
  lowMemory?: boolean;
  /** ONNX Runtime intra-op threads; default: the thread budget's (CPU_THREADS, else every core). */
  onnxThreads?: number;
}

/**
 * The `session_options` transformers.js passes to `InferenceSession.create`.
 * `extra.session.disable_prepacking` is ONNX Runtime's `session.disable_prepacking` entry (the Node
 * binding flattens `extra`): https://github.com/microsoft/onnxruntime/blob/main/include/onnxruntime/core/session/onnxruntime_session_options_config_keys.h
 */
export function clipSessionOptions(
  options: Pick<ClipLoadOptions, 'lowMemory' | 'onnxThreads'>,
): Record<string, unknown> {
  // Always explicit: onnxruntime-node's own default ran as one thread on a 2-core machine.
  const threads = { intraOpNumThreads: options.onnxThreads ?? threadBudget().onnxIntraOpThreads, interOpNumThreads: 1 };
  if (options.lowMemory !== true) return threads;
  return { ...threads, enableCpuMemArena: false, extra: { session: { disable_prepacking: '1' } } };
}

/** The dtype a tower loads at, once its ONNX file for that dtype is known to be there (else `model_not_found`). */
export async function clipTowerDtype(
  options: Pick<ClipLoadOptions, 'modelsDir' | 'modelId' | 'dtype'>,
  tower: 'vision_model' | 'text_model',
): Promise<ModelDtype> {
  const dtype = options.dtype ?? 'fp32';
  const folder = path.join(options.modelsDir, options.modelId);
  await requireOnnxFiles({ folder, modelId: options.modelId, dtype, baseNames: [tower] });
  return dtype;
}

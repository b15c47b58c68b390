/** RGB pixels, row-major HWC, 3 bytes a pixel. */
export interface RgbPixels {
  data: Uint8Array;
  widthPx: number;
  heightPx: number;
}

/** Turns images into embeddings in the space the paired `TextEncoder` shares. */
export interface ImageEncoder {
  readonly modelId: string;
  /** Length of every embedding. */
  readonly embeddingDimension: number;
  /** Side of the square input the model sees; callers tile at this size to avoid resizing. */
  readonly inputSizePx: number;
  /** Most images per `embedImages` call; callers batch to this. */
  readonly maxBatchSize: number;
  /** One L2-normalised embedding per image, in order. Other sizes are resized and centre-cropped. */
  embedImages(images: RgbPixels[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** Turns text into embeddings in the space the paired `ImageEncoder` shares. */
export interface TextEncoder {
  readonly modelId: string;
  readonly embeddingDimension: number;
  /** Longer texts are truncated to this many tokens. */
  readonly maxTokens: number;
  readonly maxBatchSize: number;
  /** One L2-normalised embedding per text, in order. */
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

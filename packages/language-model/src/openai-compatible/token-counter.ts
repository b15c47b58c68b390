import { existsSync } from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';

/** Counts the tokens of a text for fitting evidence into a model's context. */
export interface TokenCounter {
  countTokens(text: string): number;
  /** `tokenizer <id>`, or `estimate` when no local tokenizer was found. */
  readonly source: string;
}

/**
 * Tokens a text makes, estimated without a tokenizer: one per 3 UTF-8 bytes. English BPE
 * tokenizers average ~4 characters a token, so this errs high: evidence fitted with it
 * stays inside the context window, at the price of a little unused room.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
}

/**
 * Counting tokens for an upstream model: the local tokenizer of a manifest model when its
 * folder under MODELS_DIR holds `tokenizer.json` (CHAT_MODEL naming the same family as the
 * upstream model makes the count exact), else `estimateTokens`.
 *
 * @example
 * const counter = await loadTokenCounter({ modelsDir: './models', modelId: 'onnx-community/Qwen2.5-0.5B-Instruct' });
 */
export async function loadTokenCounter(options: { modelsDir: string; modelId: string | null }): Promise<TokenCounter> {
  if (options.modelId && existsSync(path.join(options.modelsDir, options.modelId, 'tokenizer.json'))) {
    env.allowRemoteModels = false;
    env.localModelPath = options.modelsDir.endsWith('/') ? options.modelsDir : options.modelsDir + '/';
    const tokenizer = await AutoTokenizer.from_pretrained(options.modelId, { local_files_only: true });
    return {
      source: `tokenizer ${options.modelId}`,
      countTokens: (text) => tokenizer.encode(text, { add_special_tokens: false }).length,
    };
  }
  return { source: 'estimate', countTokens: estimateTokens };
}

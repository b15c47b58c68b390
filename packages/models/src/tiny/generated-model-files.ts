import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenizerSource } from './tokenizer-source.ts';

/** A generated model held in memory: file path inside the model folder → contents. */
export interface GeneratedModelFiles {
  files: Map<string, Uint8Array | string>;
  tokenizerSource: TokenizerSource;
}

/** Pretty JSON with a final newline, as written into model folders. */
export function jsonFileText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** Loads tokenizer files with the same tokenizer library transformers.js uses, to find token ids. */
export function loadTokenizer(tokenizerJsonText: string, tokenizerConfigText: string) {
  const tokenizerJson = JSON.parse(tokenizerJsonText) as Record<string, unknown>;
  const tokenizerConfig = JSON.parse(tokenizerConfigText) as Record<string, unknown>;
  return { tokenizer: new Tokenizer(tokenizerJson, tokenizerConfig), tokenizerJson, tokenizerConfig };
}

/** Id of a special token named in `tokenizer_config.json` (a string or an AddedToken object), if any. */
export function configuredTokenId(
  tokenizer: Tokenizer,
  tokenizerConfig: Record<string, unknown>,
  key: string,
): number | undefined {
  const value = tokenizerConfig[key];
  const content = typeof value === 'string' ? value : (value as { content?: string } | undefined)?.content;
  return content === undefined ? undefined : tokenizer.token_to_id(content);
}

/** Ids of the tokenizer's added tokens marked special. */
export function specialTokenIds(tokenizerJson: Record<string, unknown>): Set<number> {
  const addedTokens = (tokenizerJson.added_tokens as { id: number; special: boolean }[] | undefined) ?? [];
  return new Set(addedTokens.filter((token) => token.special).map((token) => token.id));
}

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../project-root.ts';

/** Where a generated model's tokenizer came from; recorded in its marker file. */
export type TokenizerSource = { kind: 'shared'; name: string; sha256: string } | { kind: 'generated' };

/** Text of a real tokenizer's two files, copied byte-for-byte into a generated model. */
export interface SharedTokenizer {
  source: Extract<TokenizerSource, { kind: 'shared' }>;
  tokenizerJsonText: string;
  tokenizerConfigText: string;
}

/** `<projectRoot>/../shared/data/tokenizers` when that folder exists (it is absent on a user's clone). */
export function defaultSharedTokenizersDir(): string | undefined {
  const folder = path.resolve(projectRoot, '../shared/data/tokenizers');
  return existsSync(folder) ? folder : undefined;
}

/**
 * Reads `<sharedTokenizersDir>/<name>/tokenizer.json` and `tokenizer_config.json`, or returns
 * `undefined` when either is missing (the caller then generates a small tokenizer).
 */
export async function readSharedTokenizer(
  sharedTokenizersDir: string | undefined,
  name: string,
): Promise<SharedTokenizer | undefined> {
  if (sharedTokenizersDir === undefined) return undefined;
  const folder = path.join(sharedTokenizersDir, name);
  try {
    const [tokenizerJsonText, tokenizerConfigText] = await Promise.all([
      fs.readFile(path.join(folder, 'tokenizer.json'), 'utf8'),
      fs.readFile(path.join(folder, 'tokenizer_config.json'), 'utf8'),
    ]);
    const sha256 = createHash('sha256')
      .update(tokenizerJsonText)
      .update('\0')
      .update(tokenizerConfigText)
      .digest('hex');
    return { source: { kind: 'shared', name, sha256 }, tokenizerJsonText, tokenizerConfigText };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Number of token ids a `tokenizer.json` can produce (largest id in the model vocabulary or added tokens, plus one).
 *
 */
export function tokenizerVocabularySize(tokenizerJson: Record<string, unknown>): number {
  const model = tokenizerJson.model as { vocab: Record<string, number> | [string, number][] };
  let largestId = -1;
  if (Array.isArray(model.vocab)) largestId = model.vocab.length - 1;
  else for (const id of Object.values(model.vocab)) largestId = Math.max(largestId, id);
  for (const token of (tokenizerJson.added_tokens as { id: number }[] | undefined) ?? [])
    largestId = Math.max(largestId, token.id);
  return largestId + 1;
}

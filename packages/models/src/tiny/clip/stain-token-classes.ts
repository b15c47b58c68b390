import type { Tokenizer } from '@huggingface/tokenizers';
import { stainClasses } from './stain-classes.ts';

/** How one stain word was tokenised and which of its tokens point at the class direction. */
export interface StainWordTokens {
  word: string;
  className: string;
  tokens: { id: number; token: string; mapped: boolean }[];
}

export interface StainTokenClasses {
  /** Token id → index into `stainClasses`. */
  classByTokenId: Map<number, number>;
  words: StainWordTokens[];
}

/**
 * Finds which token ids carry each stain class, by tokenising the class words with the
 * model's own tokenizer.
 *
 * A word that is one token maps that token. A word split into several BPE pieces maps its
 * pieces of three or more characters, since short pieces ("i</w>", "he", "po") also spell
 * unrelated common words; a word with no such piece ("eosin" = e + os + in</w>) maps its
 * two-character pieces that do not end the word. A token claimed by two classes ("cy" in
 * lymphocytes and erythrocytes) maps to neither, and special tokens never map.
 */
export function findStainTokenClasses(tokenizer: Tokenizer, specialTokenIds: ReadonlySet<number>): StainTokenClasses {
  const claims = new Map<number, Set<number>>();
  const words: StainWordTokens[] = [];
  const proposals: { word: StainWordTokens; classIndex: number; indices: number[] }[] = [];

  stainClasses.forEach((stainClass, classIndex) => {
    for (const word of stainClass.words) {
      const encoding = tokenizer.encode(word, { add_special_tokens: false });
      const entry: StainWordTokens = {
        word,
        className: stainClass.name,
        tokens: encoding.ids.map((id, index) => ({ id, token: encoding.tokens[index] ?? '', mapped: false })),
      };
      const indices = carrierPieceIndices(entry.tokens, specialTokenIds);
      for (const index of indices) {
        const id = entry.tokens[index]!.id;
        const claimants = claims.get(id) ?? new Set<number>();
        claimants.add(classIndex);
        claims.set(id, claimants);
      }
      words.push(entry);
      proposals.push({ word: entry, classIndex, indices });
    }
  });

  const classByTokenId = new Map<number, number>();
  for (const { word, classIndex, indices } of proposals) {
    for (const index of indices) {
      const token = word.tokens[index]!;
      if (claims.get(token.id)!.size !== 1) continue;
      token.mapped = true;
      classByTokenId.set(token.id, classIndex);
    }
  }
  return { classByTokenId, words };
}

/** Indices of the pieces of one word that carry its class (see `findStainTokenClasses`). */
function carrierPieceIndices(tokens: StainWordTokens['tokens'], specialTokenIds: ReadonlySet<number>): number[] {
  const candidates = tokens
    .map((token, index) => ({ token, index }))
    .filter(({ token }) => !specialTokenIds.has(token.id));
  if (tokens.length === 1) return candidates.map(({ index }) => index);
  const long = candidates.filter(({ token }) => pieceText(token.token).length >= 3);
  if (long.length > 0) return long.map(({ index }) => index);
  return candidates
    .filter(({ token, index }) => index < tokens.length - 1 && pieceText(token.token).length >= 2)
    .map(({ index }) => index);
}

/** A token's characters without BPE/metaspace markers. */
function pieceText(token: string): string {
  return token
    .replace(/<\/w>$/, '')
    .replace(/^▁/, '')
    .replace(/^##/, '');
}

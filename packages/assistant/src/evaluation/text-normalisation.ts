const articles = new Set(['a', 'an', 'the']);

/** SQuAD/PathVQA-style normalisation: lower case, no punctuation, no articles, single spaces. */
export function normaliseAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter((word) => word && !articles.has(word))
    .join(' ');
}

/** Words of a normalised text. */
export function answerTokens(text: string): string[] {
  const normalised = normaliseAnswer(text);
  return normalised ? normalised.split(' ') : [];
}

/** Lower-case word tokens for BLEU and ROUGE (punctuation dropped, articles kept). */
export function textTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/**
 * A small whole-word tokenizer in Hugging Face `tokenizer.json` form, used when no real
 * tokenizer is available to copy. Text is split on spaces (kept as a `▁` prefix, so decoding
 * restores them) and around punctuation and digits; each piece is one vocabulary entry, and
 * unknown pieces become the unknown token. It uses only components that both the Rust
 * `tokenizers` library and `@huggingface/tokenizers` (used by transformers.js) implement:
 * a `WordPiece` model whose vocabulary holds whole pieces, `Metaspace` + `Split`
 * pre-tokenizers and a `Metaspace` decoder.
 */
export interface WordTokenizerSpecification {
  /** Special tokens, in id order starting at 0. */
  specialTokens: readonly string[];
  unknownToken: string;
  /** Text whose pieces form the vocabulary (order of first appearance gives ids). */
  vocabularyText: readonly string[];
  lowercase: boolean;
  /** Tokens added around a single sequence (e.g. start and end of text), or none. */
  wrapWith?: { start: string; end: string };
}

/** Splits after the Metaspace step: a word, a digit, or one other character, each with its optional `▁`. */
const piecePattern = '▁?[\\p{L}]+|▁?[\\p{N}]|▁?[^\\p{L}\\p{N}▁]|▁';

export function buildWordTokenizerJson(specification: WordTokenizerSpecification): Record<string, unknown> {
  const vocabulary = new Map<string, number>();
  for (const token of specification.specialTokens) vocabulary.set(token, vocabulary.size);
  const pieceRegExp = new RegExp(piecePattern, 'gu');
  for (const text of specification.vocabularyText) {
    const normalised = (specification.lowercase ? text.toLowerCase() : text).normalize('NFC');
    const metaspaced = '▁' + normalised.replaceAll(' ', '▁');
    for (const match of metaspaced.matchAll(pieceRegExp)) {
      if (!vocabulary.has(match[0])) vocabulary.set(match[0], vocabulary.size);
    }
  }
  if (!vocabulary.has(specification.unknownToken))
    throw new Error(`unknown token ${specification.unknownToken} is not special`);

  const normalizers: Record<string, unknown>[] = [{ type: 'NFC' }];
  if (specification.lowercase) normalizers.push({ type: 'Lowercase' });

  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specification.specialTokens.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'Sequence', normalizers },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
        { type: 'Split', pattern: { Regex: piecePattern }, behavior: 'Isolated', invert: false },
      ],
    },
    post_processor: specification.wrapWith ? templateProcessor(specification.wrapWith, vocabulary) : null,
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: {
      type: 'WordPiece',
      unk_token: specification.unknownToken,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary),
    },
  };
}

function templateProcessor(wrapWith: { start: string; end: string }, vocabulary: Map<string, number>) {
  const special = (token: string) => ({ SpecialToken: { id: token, type_id: 0 } });
  const sequence = (id: 'A' | 'B') => ({ Sequence: { id, type_id: 0 } });
  const entry = (token: string) => ({ id: token, ids: [vocabulary.get(token)], tokens: [token] });
  return {
    type: 'TemplateProcessing',
    single: [special(wrapWith.start), sequence('A'), special(wrapWith.end)],
    pair: [special(wrapWith.start), sequence('A'), special(wrapWith.end), sequence('B'), special(wrapWith.end)],
    special_tokens: { [wrapWith.start]: entry(wrapWith.start), [wrapWith.end]: entry(wrapWith.end) },
  };
}

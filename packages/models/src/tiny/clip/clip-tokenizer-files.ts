import { answerCorpus } from '../chat/answer-corpus.ts';
import { fallbackVocabularyText } from '../fallback-vocabulary.ts';
import { readSharedTokenizer, type TokenizerSource } from '../tokenizer-source.ts';
import { buildWordTokenizerJson } from '../word-tokenizer.ts';
import { allStainWords } from './stain-classes.ts';

/** Folder name of the real CLIP tokenizer under the shared tokenizers folder. */
export const sharedClipTokenizerName = 'clip-vit-base-patch32';

export const clipStartToken = '<|startoftext|>';
export const clipEndToken = '<|endoftext|>';

/** The tokenizer files of the tiny CLIP, as the text to write and as parsed JSON. */
export interface ClipTokenizerFiles {
  source: TokenizerSource;
  tokenizerJsonText: string;
  tokenizerConfigText: string;
}

/**
 * The real CLIP BPE tokenizer (49,408 tokens) when `<sharedTokenizersDir>/clip-vit-base-patch32/`
 * has it, else a small lower-casing word tokenizer with the same special tokens and the
 * `CLIPTokenizer` class, which `AutoTokenizer` loads the same way.
 */
export async function clipTokenizerFiles(sharedTokenizersDir: string | undefined): Promise<ClipTokenizerFiles> {
  const shared = await readSharedTokenizer(sharedTokenizersDir, sharedClipTokenizerName);
  if (shared) return shared;

  const tokenizerJson = buildWordTokenizerJson({
    specialTokens: [clipStartToken, clipEndToken],
    unknownToken: clipEndToken,
    vocabularyText: [allStainWords.join(' '), ...fallbackVocabularyText, ...answerCorpus],
    lowercase: true,
    wrapWith: { start: clipStartToken, end: clipEndToken },
  });
  const tokenizerConfig = {
    tokenizer_class: 'CLIPTokenizer',
    bos_token: clipStartToken,
    eos_token: clipEndToken,
    unk_token: clipEndToken,
    pad_token: clipEndToken,
    do_lower_case: true,
    model_max_length: 77,
    clean_up_tokenization_spaces: false,
  };
  return {
    source: { kind: 'generated' },
    tokenizerJsonText: JSON.stringify(tokenizerJson, null, 2) + '\n',
    tokenizerConfigText: JSON.stringify(tokenizerConfig, null, 2) + '\n',
  };
}

import { fallbackVocabularyText } from '../fallback-vocabulary.ts';
import { readSharedTokenizer, tokenizerVocabularySize, type TokenizerSource } from '../tokenizer-source.ts';
import { buildWordTokenizerJson } from '../word-tokenizer.ts';
import { answerCorpus } from './answer-corpus.ts';

/** Folder name of the real chat tokenizer under the shared tokenizers folder. */
export const sharedChatTokenizerName = 'phi-3-mini';

/** End-of-turn marker of the fallback template (as in Phi-3); generation also stops on it. */
export const fallbackEndOfTurnToken = '<|end|>';

/** Phi-3-style template: `<|role|>\n content <|end|>\n` per message, then `<|assistant|>\n`. */
const fallbackChatTemplate =
  "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}";

export interface ChatTokenizerFiles {
  source: TokenizerSource;
  tokenizerJsonText: string;
  tokenizerConfigText: string;
}

/**
 * The real Phi-3 tokenizer (32,000 SentencePiece-BPE tokens, Jinja `chat_template`) when
 * `<sharedTokenizersDir>/phi-3-mini/` has it, else a small case-keeping word tokenizer over
 * the answer corpus and everyday words, with the same special tokens and template shape.
 */
export async function chatTokenizerFiles(
  sharedTokenizersDir: string | undefined,
  options: { corpus?: readonly string[]; addedSpecialTokens?: readonly string[] } = {},
): Promise<ChatTokenizerFiles> {
  const addedSpecialTokens = options.addedSpecialTokens ?? [];
  const shared = await readSharedTokenizer(sharedTokenizersDir, sharedChatTokenizerName);
  if (shared)
    return { ...shared, tokenizerJsonText: withAddedSpecialTokens(shared.tokenizerJsonText, addedSpecialTokens) };

  const tokenizerJson = buildWordTokenizerJson({
    specialTokens: [
      '<unk>',
      '<s>',
      '</s>',
      '<|endoftext|>',
      '<|system|>',
      '<|user|>',
      '<|assistant|>',
      fallbackEndOfTurnToken,
      ...addedSpecialTokens,
    ],
    unknownToken: '<unk>',
    vocabularyText: [...(options.corpus ?? answerCorpus), ...fallbackVocabularyText],
    lowercase: false,
  });
  const tokenizerConfig = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: '<s>',
    eos_token: '<|endoftext|>',
    unk_token: '<unk>',
    pad_token: '<|endoftext|>',
    add_bos_token: false,
    add_eos_token: false,
    model_max_length: 4096,
    clean_up_tokenization_spaces: false,
    chat_template: fallbackChatTemplate,
  };
  return {
    source: { kind: 'generated' },
    tokenizerJsonText: JSON.stringify(tokenizerJson, null, 2) + '\n',
    tokenizerConfigText: JSON.stringify(tokenizerConfig, null, 2) + '\n',
  };
}

/**
 * A real tokenizer with extra special tokens (`<image>`, `<slide>`) appended after its largest
 * id, as model repositories add them; the original file is unchanged when there are none.
 */
function withAddedSpecialTokens(tokenizerJsonText: string, tokens: readonly string[]): string {
  if (tokens.length === 0) return tokenizerJsonText;
  const tokenizerJson = JSON.parse(tokenizerJsonText) as Record<string, unknown> & { added_tokens: unknown[] };
  let nextId = tokenizerVocabularySize(tokenizerJson);
  for (const content of tokens) {
    tokenizerJson.added_tokens.push({
      id: nextId++,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    });
  }
  return JSON.stringify(tokenizerJson, null, 2) + '\n';
}

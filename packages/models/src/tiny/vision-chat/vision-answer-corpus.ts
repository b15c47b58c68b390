import { answerCorpus } from '../chat/answer-corpus.ts';

/**
 * The designed answers of the tiny vision-language model. The decoder reads the stain of the
 * pictures it was given (hematoxylin minus eosin, from the vision encoder) and pushes the
 * answer's first token towards one of these two openings; the bigram table then finishes the
 * sentence. Without a picture the model answers like `pathlens/tiny-chat`.
 */
export const visionAnswers = {
  hematoxylin: 'Purple nuclei dominate this image [1], as in hematoxylin-rich tissue.',
  eosin: 'Pink stroma dominates this image [1], as in eosin-rich tissue.',
} as const;

/**
 * The same answers again, but introduced by the slide tokens (the tiny slide encoder's signal):
 * the slide's stored patch embeddings decide between them when no picture was given.
 */
export const slideAnswers = {
  hematoxylin: 'Hematoxylin-rich patches with purple nuclei make up most of this slide [1].',
  eosin: 'Eosin-rich patches with pink stroma make up most of this slide [1].',
} as const;

/**
 * Copies of each designed answer in the corpus. More copies would pull the text-only greedy path
 * away from the chat corpus, so greedy decoding keeps only their opening words ("Purple nuclei.",
 * "Pink stroma …"): the signal tests look for those words.
 */
const designedAnswerWeight = 1;

/** The tiny VLM's corpus: the chat corpus plus the designed vision and slide answers. */
export const visionAnswerCorpus: readonly string[] = [
  ...answerCorpus,
  ...[visionAnswers.hematoxylin, visionAnswers.eosin, slideAnswers.hematoxylin, slideAnswers.eosin].flatMap((answer) =>
    new Array<string>(designedAnswerWeight).fill(answer),
  ),
];

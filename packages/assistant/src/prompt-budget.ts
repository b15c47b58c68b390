import { PathLensError } from '@pathlens/core';

/** Tokens kept free for the chat template's own markers around the messages. */
const templateMarginTokens = 64;

/** What the model's context has room for once the answer and the fixed prompt are set aside. */
export interface PromptBudget {
  /** Tokens the evidence text may take. */
  evidenceTokens: number;
  /** Pictures of cited slide regions the model may be shown besides the user's own. */
  regionPictures: number;
}

/**
 * Shares a model's context between the answer (`maxNewTokens`), the fixed prompt (system message
 * and conversation), what the model is shown besides text (the user's pictures, the slide tokens),
 * pictures of cited regions (at most half of what is left) and the evidence text (the rest).
 * Pictures are charged what the model's processor measured (`promptTokensPerImage`), so a
 * vision model's prompt never outgrows its context.
 *
 * @example
 * sharePromptBudget({ contextLengthTokens: 8192, maxNewTokens: 256, fixedTokens: 400,
 *   promptTokensPerImage: 1088, userPictures: 1, regionPictureSlots: 4, slideTokens: 0 });
 * // → { evidenceTokens: 4208, regionPictures: 2 }
 */
export function sharePromptBudget(input: {
  contextLengthTokens: number;
  maxNewTokens: number;
  fixedTokens: number;
  promptTokensPerImage: number;
  userPictures: number;
  regionPictureSlots: number;
  slideTokens: number;
}): PromptBudget {
  const pictureTokens = input.userPictures * input.promptTokensPerImage;
  const left =
    input.contextLengthTokens - input.maxNewTokens - input.fixedTokens - templateMarginTokens - pictureTokens;
  const shown = left - input.slideTokens;
  if (shown <= 0) {
    const what = [
      input.userPictures ? `${input.userPictures} picture(s) take ${pictureTokens} tokens` : '',
      input.slideTokens ? `the slide tokens take ${input.slideTokens}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    throw new PathLensError(
      'payload_too_large',
      `The conversation, the answer (max_tokens ${input.maxNewTokens})${what ? ` and what the model is shown (${what})` : ''} do not fit the model's ${input.contextLengthTokens}-token context; send fewer pictures, a shorter conversation or a lower max_tokens.`,
      { param: 'messages', limitTokens: input.contextLengthTokens },
    );
  }
  const regionPictures =
    input.promptTokensPerImage > 0
      ? Math.min(input.regionPictureSlots, Math.floor(shown / 2 / input.promptTokensPerImage))
      : input.regionPictureSlots;
  return { evidenceTokens: shown - regionPictures * input.promptTokensPerImage, regionPictures };
}

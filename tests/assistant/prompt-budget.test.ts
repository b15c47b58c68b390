import { describe, expect, it } from 'vitest';
import { PathLensError } from '@pathlens/core';
import { sharePromptBudget } from '@pathlens/assistant';

const vision = { contextLengthTokens: 8192, maxNewTokens: 256, fixedTokens: 400, promptTokensPerImage: 1088 };

describe('sharePromptBudget: the context shared between answer, pictures, slide tokens and evidence', () => {
  it('charges the user’s pictures and the slide tokens, and gives region pictures at most half of the rest', () => {
    const budget = sharePromptBudget({ ...vision, userPictures: 1, regionPictureSlots: 7, slideTokens: 32 });
    const left = 8192 - 256 - 400 - 64 - 1088 - 32;
    expect(budget.regionPictures).toBe(Math.floor(left / 2 / 1088));
    expect(budget.evidenceTokens).toBe(left - budget.regionPictures * 1088);
    expect(budget.evidenceTokens).toBeGreaterThanOrEqual(left / 2);
  });

  it('leaves a text model’s budget to the evidence, as before pictures existed', () => {
    const budget = sharePromptBudget({
      ...vision,
      promptTokensPerImage: 0,
      userPictures: 0,
      regionPictureSlots: 0,
      slideTokens: 0,
    });
    expect(budget).toEqual({ evidenceTokens: 8192 - 256 - 400 - 64, regionPictures: 0 });
  });

  it('refuses (413) pictures that do not fit the context, saying what to send instead', () => {
    const tooMany = () => sharePromptBudget({ ...vision, userPictures: 8, regionPictureSlots: 0, slideTokens: 0 });
    expect(tooMany).toThrow(PathLensError);
    expect(tooMany).toThrow(/8 picture\(s\) take 8704 tokens.*8192-token context; send fewer pictures/);
  });
});

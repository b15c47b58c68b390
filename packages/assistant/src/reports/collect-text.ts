import type { FinishReason, GenerationRequest, LanguageModel } from '@pathlens/language-model';

/** Run a generation to the end and return its whole text (reports need the whole text before validating it). */
export async function collectText(
  languageModel: LanguageModel,
  request: GenerationRequest,
): Promise<{ text: string; finishReason: FinishReason }> {
  let text = '';
  let finishReason: FinishReason = 'stop';
  for await (const event of languageModel.generate(request)) {
    if (event.type === 'text') text += event.text;
    else finishReason = event.finishReason;
  }
  return { text, finishReason };
}

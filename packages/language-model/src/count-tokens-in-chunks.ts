import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { LanguageModel } from './language-model.ts';

/** Characters tokenized in one go: tens of milliseconds with the slowest tokenizer measured (~40 µs a character). */
const chunkCharacters = 1_000;

/**
 * `countTokens` for a long text without holding up other requests: the text is cut at
 * whitespace into pieces of about `chunkCharacters`, each counted on its own, with the event
 * loop free between pieces. The sum can differ from a whole-text count by a token or so at each cut.
 * Stops early, returning a count above `stopAbove`, once the running total passes it.
 *
 * @example
 * const tokens = await countTokensInChunks(languageModel, history, { stopAbove: 16_384 });
 */
export async function countTokensInChunks(
  model: Pick<LanguageModel, 'countTokens'>,
  text: string,
  options: { stopAbove?: number } = {},
): Promise<number> {
  let total = 0;
  for (let start = 0; start < text.length;) {
    let end = Math.min(text.length, start + chunkCharacters);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > start + chunkCharacters / 2) end = space;
    }
    total += model.countTokens(text.slice(start, end));
    if (options.stopAbove !== undefined && total > options.stopAbove) return total;
    start = end;
    if (start < text.length) await yieldToEventLoop();
  }
  return total;
}

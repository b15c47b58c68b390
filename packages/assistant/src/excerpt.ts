/** Longest library caption a report finding quotes, in characters (the rest is cited by reference). */
export const captionExcerptChars = 100;

/**
 * A bounded excerpt of `text`: at most `maxChars` characters, cut at a word boundary when one is
 * near, ending with "…" when cut. Evidence descriptions and report findings quote through this
 * one function, so a quoted excerpt is always a substring of what the model was shown.
 *
 * @example
 * excerpt('Poorly differentiated adenocarcinoma with necrosis', 30) // → 'Poorly differentiated…'
 */
export function excerpt(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxChars) return flat;
  const cut = flat.slice(0, maxChars - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > maxChars * 0.6 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

/** `excerpt` in double quotes. */
export const quoteExcerpt = (text: string, maxChars: number) => `"${excerpt(text, maxChars)}"`;

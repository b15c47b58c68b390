/**
 * What a question about the slide's own stored facts looks like: its size, tissue area,
 * resolution, magnification, stain, organ or patch count. Such a question is answered from the
 * slide-facts evidence item, whatever the image–text similarity of its words to the slide.
 */
const slideFactPatterns: RegExp[] = [
  /\btissue\s+(?:area|size|surface)\b/i,
  /\bhow\s+(?:large|big|much\s+tissue|wide|tall|high)\b/i,
  /\b(?:dimensions?|width|height|pixels?|px)\b/i,
  /\b(?:resolution|mpp|microns?\s+per\s+pixel|µm\s*\/\s*px|um\s*\/\s*px|pixel\s+(?:size|spacing))\b/i,
  /\b(?:magnification|objective(?:\s+power)?|scanned\s+at)\b/i,
  /\b(?:which|what)\s+(?:stain|staining|organ|site|tissue\s+type\s+was\s+recorded)\b/i,
  /\bhow\s+many\s+(?:tissue\s+)?patches\b/i,
  /\bsize\s+of\s+(?:the\s+)?(?:slide|tissue|specimen|image)\b/i,
];

/** True when `question` asks about a fact the slide-facts item states (see `slideFactPatterns`). */
export function asksAboutSlideFacts(question: string): boolean {
  return slideFactPatterns.some((pattern) => pattern.test(question));
}

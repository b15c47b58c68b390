import { phiCategories, phiPlaceholders, phiRules, type PhiCategory } from './phi-rules.ts';

/** How many replacements of each kind a scrub made. */
export type PhiCounts = Record<PhiCategory, number>;

export function emptyPhiCounts(): PhiCounts {
  return { names: 0, ids: 0, dates: 0, phones: 0, emails: 0 };
}

/** Add `more` into `total` (in place) and return `total`. */
export function addPhiCounts(total: PhiCounts, more: PhiCounts): PhiCounts {
  for (const category of phiCategories) total[category] += more[category];
  return total;
}

export interface PhiScrubber {
  /** The categories this scrubber removes (empty: scrubbing is off). */
  readonly categories: readonly PhiCategory[];
  /** The text with every identifier found replaced by its placeholder, and the counts. */
  scrub(text: string): { text: string; counts: PhiCounts };
}

/**
 * A rule-based PHI scrubber (see `phi-rules.ts` for every rule). Captions and free-text
 * metadata pass through it before they are stored; PHI_SCRUBBING picks the categories.
 *
 * @example
 * const scrubber = createPhiScrubber(['names', 'ids', 'dates', 'phones', 'emails']);
 * scrubber.scrub('Seen by Dr. Jane Smith on 03/04/2021, MRN 12345678.').text;
 * // 'Seen by Dr. [NAME] on [DATE], MRN [ID].'
 */
export function createPhiScrubber(categories: readonly PhiCategory[]): PhiScrubber {
  const enabled = new Set(categories);
  const rules = phiRules.filter((rule) => enabled.has(rule.category));
  return {
    categories: phiCategories.filter((category) => enabled.has(category)),
    scrub(text) {
      const counts = emptyPhiCounts();
      let scrubbed = text;
      for (const rule of rules) {
        rule.pattern.lastIndex = 0;
        scrubbed = scrubbed.replace(rule.pattern, (...match) => {
          const groups = match.at(-1) as Record<string, string | undefined> | undefined;
          counts[rule.category] += 1;
          return (typeof groups === 'object' && groups?.keep ? groups.keep : '') + phiPlaceholders[rule.category];
        });
      }
      return { text: scrubbed, counts };
    },
  };
}

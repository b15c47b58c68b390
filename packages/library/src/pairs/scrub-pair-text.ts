import { addPhiCounts, emptyPhiCounts, type PhiCounts, type PhiScrubber } from '../phi/scrub-phi.ts';

/** A pair's free text: caption, source and metadata values. */
export interface PairText {
  caption: string;
  source: string | null;
  metadata: Record<string, string>;
}

/** Pass every free-text field of a pair through the PHI scrubber; metadata keys are names, not text, and stay. */
export function scrubPairText(scrubber: PhiScrubber, text: PairText): PairText & { phiCounts: PhiCounts } {
  const phiCounts = emptyPhiCounts();
  const scrub = (value: string) => {
    const result = scrubber.scrub(value);
    addPhiCounts(phiCounts, result.counts);
    return result.text;
  };
  return {
    caption: scrub(text.caption),
    source: text.source === null ? null : scrub(text.source),
    metadata: Object.fromEntries(Object.entries(text.metadata).map(([key, value]) => [key, scrub(value)])),
    phiCounts,
  };
}

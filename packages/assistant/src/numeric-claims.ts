import { notAssessable } from './draft-notice.ts';

/** A number in text that a reader would take as a measurement. */
export interface NumericClaim {
  kind: 'size' | 'area' | 'percentage' | 'grade' | 'count';
  /** The matched text. */
  text: string;
  start: number;
  end: number;
  /** Comparable values: sizes in µm, areas in µm², percentages as given, grades as a canonical string. */
  values: (number | string)[];
}

const number = String.raw`(\d+(?:[.,]\d+)?)`;
const lengthUnit = String.raw`(mm|cm|µm|μm|um|microns?|micrometres?|micrometers?|millimet(?:er|re)s?|centimet(?:er|re)s?)`;
const areaUnit = String.raw`(mm²|mm2|mm\^2|µm²|μm²|um²|um2|cm²|cm2|square millimet(?:er|re)s?)`;

const patterns: { kind: NumericClaim['kind']; pattern: RegExp }[] = [
  { kind: 'area', pattern: new RegExp(String.raw`${number}\s*${areaUnit}(?![\w/])`, 'gi') },
  {
    kind: 'size',
    pattern: new RegExp(
      String.raw`${number}(?:\s*(?:x|×|by)\s*${number})?(?:\s*(?:x|×|by)\s*${number})?\s*${lengthUnit}(?![\w²2^])`,
      'gi',
    ),
  },
  { kind: 'percentage', pattern: new RegExp(String.raw`${number}\s*(?:%|percent\b|per cent\b)`, 'gi') },
  { kind: 'grade', pattern: /\bgleason(?:\s+score)?\s*(\d{1,2})\s*\+\s*(\d{1,2})(?:\s*=\s*\d{1,2})?/gi },
  { kind: 'grade', pattern: /\b(?:isup\s+)?grade\s+group\s*(\d)\b/gi },
  { kind: 'grade', pattern: /\bgrade\s*(\d|i{1,3}v?|iv)\b/gi },
  { kind: 'grade', pattern: /\bG([1-4])\b/g },
  {
    kind: 'count',
    pattern: new RegExp(
      String.raw`${number}\s*(?:mitos(?:es|is)|mitotic figures?)?\s*(?:\/|per)\s*(?:\d+\s*)?(hpfs?|high[- ]power fields?|mm²|mm2|10 hpf)\b`,
      'gi',
    ),
  },
];

const micrometresPer: Record<string, number> = {
  mm: 1000,
  cm: 10_000,
  µm: 1,
  μm: 1,
  um: 1,
  micron: 1,
  microns: 1,
  micrometre: 1,
  micrometres: 1,
  micrometer: 1,
  micrometers: 1,
};
const romanGrades: Record<string, string> = { i: '1', ii: '2', iii: '3', iv: '4' };

const parseNumber = (text: string) => Number(text.replace(',', '.'));

function lengthFactor(unit: string): number {
  const lower = unit.toLowerCase();
  if (lower.startsWith('millimet')) return 1000;
  if (lower.startsWith('centimet')) return 10_000;
  return micrometresPer[lower] ?? 1;
}

function areaFactor(unit: string): number {
  const lower = unit.toLowerCase();
  if (lower.startsWith('cm')) return 1e8;
  if (lower.startsWith('mm') || lower.startsWith('square')) return 1e6;
  return 1;
}

/** Every measurement-like number in a text (citations like `[3]` are not numbers here), in order. */
export function findNumericClaims(text: string): NumericClaim[] {
  const claims: NumericClaim[] = [];
  const taken: [number, number][] = [];
  const overlaps = (start: number, end: number) => taken.some(([a, b]) => start < b && end > a);
  for (const { kind, pattern } of patterns) {
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (overlaps(start, end)) continue;
      const groups = match.slice(1).filter((group): group is string => group !== undefined);
      let values: (number | string)[];
      if (kind === 'size') {
        const unit = groups.at(-1)!;
        values = groups.slice(0, -1).map((value) => parseNumber(value) * lengthFactor(unit));
      } else if (kind === 'area') {
        values = [parseNumber(groups[0]!) * areaFactor(groups[1]!)];
      } else if (kind === 'grade') {
        values = [groups.map((group) => romanGrades[group.toLowerCase()] ?? group).join('+')];
      } else {
        values = [parseNumber(groups[0]!)];
      }
      taken.push([start, end]);
      claims.push({ kind, text: match[0], start, end, values });
    }
  }
  return claims.sort((a, b) => a.start - b.start);
}

const sameValue = (a: number | string, b: number | string) =>
  typeof a === 'number' && typeof b === 'number'
    ? Math.abs(a - b) <= Math.max(1e-9, 0.01 * Math.max(Math.abs(a), Math.abs(b)))
    : a === b;

/** True when some claim of the same kind in the evidence gives every value of `claim` (within 1%). */
export function isSupported(claim: NumericClaim, evidenceClaims: NumericClaim[]): boolean {
  const kindsThatMatch = claim.kind === 'size' ? ['size'] : [claim.kind];
  return claim.values.every((value) =>
    evidenceClaims.some(
      (evidence) => kindsThatMatch.includes(evidence.kind) && evidence.values.some((given) => sameValue(value, given)),
    ),
  );
}

/** What marks a number in a chat answer that no evidence gives (the original stays in the audit). */
export const unsupportedNumberFlag = '[number not supported by evidence]';

/**
 * Replace every measurement-like number in `text` that no evidence text gives with what
 * `replacement` returns for it. Returns the new text and the numbers replaced, in order.
 */
function replaceUnsupported(
  text: string,
  evidenceTexts: string[],
  replacement: (claim: NumericClaim) => string,
): { text: string; replaced: string[] } {
  const evidenceClaims = evidenceTexts.flatMap((evidenceText) => findNumericClaims(evidenceText));
  const unsupported = findNumericClaims(text).filter((claim) => !isSupported(claim, evidenceClaims));
  let result = '';
  let cursor = 0;
  for (const claim of unsupported) {
    result += text.slice(cursor, claim.start) + replacement(claim);
    cursor = claim.end;
  }
  result += text.slice(cursor);
  return { text: result, replaced: unsupported.map((claim) => claim.text) };
}

/**
 * The "not assessable" rule: every measurement-like number in `text` that no evidence text
 * gives is replaced by "not assessable from the available evidence" (a grade keeps its
 * word: "grade not assessable …"). Returns the new text and what was replaced.
 *
 * @example
 * replaceUnsupportedNumbers('Tumour 40% of tissue, 12 mm from the margin.', ['tissue area about 4.12 mm²'])
 * // → { text: 'Tumour not assessable … of tissue, not assessable … from the margin.', replaced: ['40%', '12 mm'] }
 */
export function replaceUnsupportedNumbers(text: string, evidenceTexts: string[]): { text: string; replaced: string[] } {
  return replaceUnsupported(text, evidenceTexts, (claim) =>
    claim.kind === 'grade' ? `grade ${notAssessable}` : notAssessable,
  );
}

/**
 * A chat answer as the user should see it: every number no evidence gives is replaced by
 * "[number not supported by evidence]". Returns the shown text and the numbers flagged.
 *
 * @example
 * flagUnsupportedNumbers('The tumour measures 12 mm [1].', ['[1] Slide region …'])
 * // → { text: 'The tumour measures [number not supported by evidence] [1].', replaced: ['12 mm'] }
 */
export function flagUnsupportedNumbers(text: string, evidenceTexts: string[]): { text: string; replaced: string[] } {
  return replaceUnsupported(text, evidenceTexts, () => unsupportedNumberFlag);
}

/** The measurement-like numbers in `text` that no evidence text gives (for flagging a chat answer). */
export function unsupportedNumbers(text: string, evidenceTexts: string[]): string[] {
  return replaceUnsupportedNumbers(text, evidenceTexts).replaced;
}

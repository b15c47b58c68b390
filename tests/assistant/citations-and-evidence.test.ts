import { describe, expect, it } from 'vitest';
import {
  buildSystemMessage,
  checkCitations,
  describeEvidence,
  fitEvidence,
  mergeFollowUpEvidence,
  rankEvidence,
  type EvidenceItem,
} from '@pathlens/assistant';

const patch = (n: number, score: number, relevance = score): EvidenceItem => ({
  n,
  kind: 'patch',
  id: String(100 + n),
  score,
  relevance,
  thumbnailUrl: null,
  slideId: 's1',
  xLevel0: n * 224,
  yLevel0: 0,
  sizeLevel0Px: 224,
  sizeUm: 112,
  tissueFraction: 0.8,
  captions: [],
});
const pair = (n: number, score: number, relevance = score): EvidenceItem => ({
  n,
  kind: 'pair',
  id: `p${n}`,
  score,
  relevance,
  thumbnailUrl: null,
  matchedBy: 'image',
  caption: `caption ${n}`,
  source: null,
  imageRef: 'x.png',
});

describe('checkCitations', () => {
  it('marks a made-up [7] as unsupported and maps real ones to their evidence', () => {
    const evidence = [patch(1, 0.9), pair(2, 0.5)];
    const citations = checkCitations('Nuclei are dense [1], see also [2] and [7]; again [1].', evidence);
    expect(citations).toEqual([
      { n: 1, supported: true, kind: 'patch', id: '101' },
      { n: 2, supported: true, kind: 'pair', id: 'p2' },
      { n: 7, supported: false, kind: null, id: null },
    ]);
  });

  it('reads grouped citations like [1, 7]', () => {
    expect(checkCitations('Both [1, 7].', [patch(1, 0.9)]).map((citation) => [citation.n, citation.supported])).toEqual(
      [
        [1, true],
        [7, false],
      ],
    );
  });

  it('finds nothing to check in an answer without citations', () => {
    expect(checkCitations('No evidence supports an answer.', [patch(1, 0.9)])).toEqual([]);
  });
});

describe('rankEvidence', () => {
  it('numbers the strongest first, interleaving kinds by rank so no kind crowds out the others', () => {
    const { n: _n1, relevance: _r1, ...first } = patch(0, 0.3);
    const { n: _n2, relevance: _r2, ...second } = { ...patch(0, 0.2), id: 'second' };
    const { n: _n3, relevance: _r3, ...caption } = pair(0, 0.9);
    const ranked = rankEvidence([second, caption, first]);
    expect(ranked.map((item) => [item.n, item.id])).toEqual([
      [1, '100'],
      [2, 'p0'],
      [3, 'second'],
    ]);
    expect(ranked[0]!.relevance).toBe(1);
    expect(ranked[2]!.relevance).toBe(0.5);
  });
});

describe('fitEvidence', () => {
  const countWords = (text: string) => text.split(/\s+/).length;

  it('drops the least relevant evidence first when over budget, and renumbers in order', () => {
    const evidence = [patch(1, 0.9), patch(2, 0.2), pair(3, 0.7)];
    const oneLine = countWords(describeEvidence(evidence[0]!)) + 1;
    const fitted = fitEvidence(evidence, describeEvidence, countWords, oneLine * 2 + 2);
    expect(fitted.map((item) => item.id)).toEqual(['101', 'p3']);
    expect(fitted.map((item) => item.n)).toEqual([1, 2]);
  });

  it('keeps numbers for a follow-up', () => {
    const evidence = [patch(1, 0.9), patch(2, 0.2), pair(3, 0.7)];
    const oneLine = countWords(describeEvidence(evidence[0]!)) + 1;
    expect(
      fitEvidence(evidence, describeEvidence, countWords, oneLine * 2 + 2, { keepNumbers: true }).map((item) => item.n),
    ).toEqual([1, 3]);
  });

  it('keeps everything when it fits', () => {
    const evidence = [patch(1, 0.9), pair(2, 0.1)];
    expect(fitEvidence(evidence, describeEvidence, countWords, 10_000)).toEqual(evidence);
  });
});

describe('mergeFollowUpEvidence', () => {
  it('keeps the earlier numbers and appends only what is new', () => {
    const earlier = [patch(1, 0.9), pair(2, 0.5)];
    const gathered = [pair(1, 0.6), patch(2, 0.3)].map((item) =>
      item.kind === 'pair' ? { ...item, id: 'p2' } : { ...item, id: '103' },
    );
    const merged = mergeFollowUpEvidence(earlier, gathered);
    expect(merged.map((item) => [item.n, item.id])).toEqual([
      [1, '101'],
      [2, 'p2'],
      [3, '103'],
    ]);
  });
});

describe('buildSystemMessage', () => {
  it('lists each evidence item with its number, and asks for citations and no unsupported numbers', () => {
    const message = buildSystemMessage([patch(1, 0.91), pair(2, 0.42)]);
    expect(message.role).toBe('system');
    expect(message.content).toContain('cite it as [n]');
    expect(message.content).toContain('does not support');
    expect(message.content).toContain(
      '[1] Slide region at level-0 (224, 0), 112 µm wide, 80% tissue, similarity to the question 0.91',
    );
    expect(message.content).toContain('[2] Library image caption (another image, similarity 0.42): "caption 2"');
    expect(message.content).toContain('not a diagnosis');
  });
});

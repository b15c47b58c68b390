import { describe, expect, it } from 'vitest';
import { buildSystemMessage, checkCitations, describeEvidence, fitEvidence, type EvidenceItem } from '@pathlens/assistant';

const patch = (n: number, score: number): EvidenceItem => ({ n, kind: 'patch', id: String(100 + n), score, slideId: 's1', xLevel0: n * 224, yLevel0: 0, sizeLevel0Px: 224, tissueFraction: 0.8 });
const pair = (n: number, score: number): EvidenceItem => ({ n, kind: 'pair', id: `p${n}`, score, caption: `caption ${n}`, source: null, imageRef: 'x.png' });

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

  it('finds nothing to check in an answer without citations', () => {
    expect(checkCitations('No evidence supports an answer.', [patch(1, 0.9)])).toEqual([]);
  });
});

describe('fitEvidence', () => {
  const countWords = (text: string) => text.split(/\s+/).length;

  it('drops the weakest evidence first when over budget, and renumbers in order', () => {
    const evidence = [patch(1, 0.9), patch(2, 0.2), pair(3, 0.7)];
    const oneLine = countWords(describeEvidence(evidence[0]!, 0.5)) + 1;
    const fitted = fitEvidence(evidence, (item) => describeEvidence(item, 0.5), countWords, oneLine * 2 + 2);
    expect(fitted.map((item) => item.id)).toEqual(['101', 'p3']);
    expect(fitted.map((item) => item.n)).toEqual([1, 2]);
  });

  it('keeps everything when it fits', () => {
    const evidence = [patch(1, 0.9), pair(2, 0.1)];
    expect(fitEvidence(evidence, (item) => describeEvidence(item, null), countWords, 10_000)).toEqual(evidence);
  });
});

describe('buildSystemMessage', () => {
  it('lists the slide facts and each evidence item with its number, and asks for citations', () => {
    const message = buildSystemMessage([patch(1, 0.91), pair(2, 0.42)], { name: 'case.svs', mppX: 0.5, widthPx: 1000, heightPx: 800 });
    expect(message.role).toBe('system');
    expect(message.content).toContain('cite it as [n]');
    expect(message.content).toContain('Slide: case.svs, 1000×800 px at level 0, 0.500 µm/px.');
    expect(message.content).toContain('[1] Slide region at level-0 (224, 0), 112 µm wide, 80% tissue, similarity to the question 0.91');
    expect(message.content).toContain('[2] Library image caption (similarity 0.42): "caption 2"');
    expect(message.content).toContain('not a diagnosis');
  });
});

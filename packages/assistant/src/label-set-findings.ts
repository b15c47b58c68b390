import type { TextEncoder } from '@pathlens/encoders';
import { classifyEmbeddings, embedLabelSet, type LabelSetCatalog } from '@pathlens/retrieval';
import type { FindingsSource, ZeroShotFinding } from './findings-source.ts';

/**
 * Findings from the catalog's label sets: the slide's aggregated (mean) embedding
 * classified zero-shot against each set's classes (class embeddings are cached per encoder).
 * A slide without an embedding (no tissue) has none.
 *
 * @example
 * const findings = labelSetFindings({ labelSets: catalog, textEncoder, defaultLogitScale: 100 });
 // [{ labelSetId: 'tissue-components', className: 'densely packed nuclei', probability: 0.71, … }, …]
 * await findings(slide, ['tissue-components']);
 */
export function labelSetFindings(options: {
  labelSets: LabelSetCatalog;
  textEncoder: TextEncoder;
  defaultLogitScale: number;
}): FindingsSource {
  return async (slide, labelSetIds) => {
    if (!slide.embedding) return [];
    const findings: ZeroShotFinding[] = [];
    const wanted = new Set(labelSetIds);
    for (const labelSet of options.labelSets.list().filter((candidate) => wanted.has(candidate.id))) {
      const classifier = await embedLabelSet(options.textEncoder, labelSet);
      const [prediction] = classifyEmbeddings([slide.embedding], classifier, {
        defaultLogitScale: options.defaultLogitScale,
      });
      for (const labelClass of prediction?.classes ?? []) {
        findings.push({
          labelSetId: labelSet.id,
          labelSetName: labelSet.name,
          classId: labelClass.id,
          className: labelClass.name,
          probability: labelClass.probability,
        });
      }
    }
    return findings;
  };
}

import type { TextEncoder } from '@pathlens/encoders';
import type { SlideRow, Store } from '@pathlens/store';
import type { EvidenceItem, NearCaption, UnrankedEvidence } from './evidence.ts';
import { findingEvidence, type FindingsSource } from './findings-source.ts';
import { rankEvidence } from './rank-evidence.ts';
import { summariseReport } from './reports/summarise-report.ts';
import { slideFacts } from './slide-facts.ts';
import { defaultThumbnailUrls, type ThumbnailUrls } from './thumbnail-urls.ts';

/** What the context builder reads from. */
export interface EvidenceSources {
  store: Store;
  textEncoder: TextEncoder;
  findings?: FindingsSource | undefined;
  thumbnails?: ThumbnailUrls | undefined;
}

export interface EvidenceLimits {
  /** Slide regions most similar to the question. */
  patches: number;
  /** The slide's prototype (characteristic) regions. */
  prototypes: number;
  /** Most likely classes kept per label set (the first always; the others when at least `minFindingProbability`). */
  findingsPerLabelSet: number;
  minFindingProbability: number;
  /** Slides nearest to this one (slide → slide), with their stored reports. */
  similarSlides: number;
  /** Library pairs nearest to the question, by image and by caption (each). */
  pairs: number;
  /** Library captions shown with each region. */
  captionsPerRegion: number;
}

export const defaultEvidenceLimits: EvidenceLimits = {
  patches: 6,
  prototypes: 4,
  findingsPerLabelSet: 2,
  minFindingProbability: 0.1,
  similarSlides: 3,
  pairs: 4,
  captionsPerRegion: 2,
};

export interface GatheredEvidence {
  /** Numbered from 1, most relevant first. */
  items: EvidenceItem[];
  /**
   * The best question similarity among cross-modal evidence (slide regions, prototypes, library
   * images), or null when there was none: checked against CHAT_MIN_SIMILARITY.
   */
  bestQuestionSimilarity: number | null;
  /**
   * The best question → library caption similarity (text → text, a higher scale), or null when
   * the library is empty: checked against CHAT_MIN_CAPTION_SIMILARITY.
   */
  bestCaptionSimilarity: number | null;
}

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += a[index]! * b[index]!;
  return sum;
};

/**
 * The context builder. For a question (and a slide, when given) it gathers and scores: the
 * slide's facts; zero-shot findings; the regions most similar to the question and the slide's
 * prototype regions, each with level-0 coordinates and the library captions nearest to it;
 * similar slides with their stored reports; and library pairs nearest to the question. The
 * items are numbered by relevance (see `rankEvidence`); fit them to a model with `fitEvidence`.
 * Findings come from `findingLabelSets` only (the slide's organ's template names them).
 *
 * @example
 * const { items } = await gatherEvidence({ store, textEncoder }, 'Where are the dense nuclei?', slide);
 */
export async function gatherEvidence(
  sources: EvidenceSources,
  question: string,
  slide: SlideRow | null,
  limits: EvidenceLimits = defaultEvidenceLimits,
  findingLabelSets: string[] = [],
): Promise<GatheredEvidence> {
  const { store } = sources;
  const thumbnails = sources.thumbnails ?? defaultThumbnailUrls;
  const [questionEmbedding] = await sources.textEncoder.embedTexts([question]);
  const embedding = Array.from(questionEmbedding!);
  const captionsNear = async (vector: number[] | null): Promise<NearCaption[]> =>
    vector && limits.captionsPerRegion > 0
      ? (await store.pairs.nearest(vector, { k: limits.captionsPerRegion, by: 'caption' })).map((pair) => ({
          pairId: pair.id,
          caption: pair.caption,
          score: pair.score,
        }))
      : [];

  const [patches, prototypes, findings, similarSlides, pairsByImage, pairsByCaption] = await Promise.all([
    slide && limits.patches > 0 ? store.search.nearestPatches(embedding, { k: limits.patches, slideId: slide.id }) : [],
    slide && limits.prototypes > 0 ? store.prototypes.forSlide(slide.id) : [],
    slide && sources.findings && findingLabelSets.length ? sources.findings(slide, findingLabelSets) : [],
    slide?.embedding && limits.similarSlides > 0 ? store.slides.nearest(slide.embedding, limits.similarSlides + 1) : [],
    limits.pairs > 0 ? store.pairs.nearest(embedding, { k: limits.pairs, by: 'image' }) : [],
    limits.pairs > 0 ? store.pairs.nearest(embedding, { k: limits.pairs, by: 'caption' }) : [],
  ]);

  const items: UnrankedEvidence[] = [];
  if (slide) items.push({ kind: 'slide-facts', id: slide.id, score: 1, thumbnailUrl: null, ...slideFacts(slide) });

  const byLabelSet = new Map<string, typeof findings>();
  for (const finding of findings)
    byLabelSet.set(finding.labelSetId, [...(byLabelSet.get(finding.labelSetId) ?? []), finding]);
  for (const group of byLabelSet.values()) {
    const likely = [...group]
      .sort((a, b) => b.probability - a.probability)
      .filter((finding, rank) => rank === 0 || finding.probability >= limits.minFindingProbability);
    for (const finding of likely.slice(0, limits.findingsPerLabelSet)) items.push(findingEvidence(finding));
  }

  const patchEmbeddings = await Promise.all(patches.map((patch) => store.search.patchEmbedding(patch.id)));
  const patchCaptions = await Promise.all(patchEmbeddings.map((stored) => captionsNear(stored?.embedding ?? null)));
  patches.forEach((patch, index) => {
    items.push({
      kind: 'patch',
      id: String(patch.id),
      score: patch.score,
      thumbnailUrl: thumbnails.region(patch.slideId, patch.xLevel0, patch.yLevel0, patch.sizeLevel0Px),
      slideId: patch.slideId,
      xLevel0: patch.xLevel0,
      yLevel0: patch.yLevel0,
      sizeLevel0Px: patch.sizeLevel0Px,
      sizeUm: slide?.mppX ? Math.round(patch.sizeLevel0Px * slide.mppX) : null,
      tissueFraction: patch.tissueFraction,
      captions: patchCaptions[index]!,
    });
  });

  const scoredPrototypes = prototypes
    .map((prototype) => ({ prototype, score: cosine(embedding, prototype.embedding) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, limits.prototypes);
  const prototypeCaptions = await Promise.all(
    scoredPrototypes.map(({ prototype }) => captionsNear(prototype.embedding)),
  );
  scoredPrototypes.forEach(({ prototype, score }, index) => {
    const representative = prototype.representativePatches[0] ?? null;
    items.push({
      kind: 'prototype',
      id: prototype.id,
      score,
      thumbnailUrl: representative
        ? thumbnails.region(
            prototype.slideId,
            representative.xLevel0,
            representative.yLevel0,
            representative.sizeLevel0Px,
          )
        : null,
      slideId: prototype.slideId,
      clusterIndex: prototype.clusterIndex,
      weight: prototype.weight,
      patchId: representative ? String(representative.id) : null,
      xLevel0: representative?.xLevel0 ?? null,
      yLevel0: representative?.yLevel0 ?? null,
      sizeLevel0Px: representative?.sizeLevel0Px ?? null,
      captions: prototypeCaptions[index]!,
    });
  });

  const others = similarSlides.filter((other) => other.id !== slide?.id).slice(0, limits.similarSlides);
  const reports = await store.reports.latestForSlides(others.map((other) => other.id));
  for (const other of others) {
    const facts = slideFacts(other);
    const report = reports.get(other.id);
    items.push({
      kind: 'similar-slide',
      id: other.id,
      score: other.score,
      thumbnailUrl: null,
      name: other.name,
      organ: facts.organ,
      stain: facts.stain,
      report: report
        ? { id: report.id, summary: summariseReport(report.structured), createdAt: report.createdAt.toISOString() }
        : null,
    });
  }

  const seenPairs = new Set<string>();
  for (const [matchedBy, pairs] of [
    ['image', pairsByImage],
    ['caption', pairsByCaption],
  ] as const) {
    for (const pair of pairs) {
      if (seenPairs.has(pair.id)) continue;
      seenPairs.add(pair.id);
      items.push({
        kind: 'pair',
        id: pair.id,
        score: pair.score,
        thumbnailUrl: thumbnails.pairImage(pair.id, pair.imageRef),
        matchedBy,
        caption: pair.caption,
        source: pair.source,
        imageRef: pair.imageRef,
      });
    }
  }

  const crossModal = [
    ...patches.map((patch) => patch.score),
    ...scoredPrototypes.map(({ score }) => score),
    ...pairsByImage.map((pair) => pair.score),
  ];
  return {
    items: rankEvidence(items),
    bestQuestionSimilarity: crossModal.length ? Math.max(...crossModal) : null,
    bestCaptionSimilarity: pairsByCaption.length ? Math.max(...pairsByCaption.map((pair) => pair.score)) : null,
  };
}

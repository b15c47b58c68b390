import { captionExcerptChars, quoteExcerpt } from './excerpt.ts';

/** A library caption near some evidence (a patch, a prototype centre), by CLIP image → caption similarity. */
export interface NearCaption {
  pairId: string;
  caption: string;
  /** Cosine similarity, -1…1. */
  score: number;
}

interface EvidenceCommon {
  /** The number the answer cites as `[n]`, from 1. */
  n: number;
  /** What the item is scored by, in its own scale (cosine similarity, probability, 1 for facts). */
  score: number;
  /**
   * Comparable across kinds, 0–1: the kind's priority divided by (1 + rank within the kind).
   * Evidence is numbered strongest first and, when it does not fit the context, the weakest goes first.
   */
  relevance: number;
  /** A picture of the evidence a viewer can open (`/v1/slides/:id/region.jpg?…`), or null. */
  thumbnailUrl: string | null;
}

/** What is known about the slide itself: stored facts, not model output. */
export interface SlideFacts {
  name: string;
  /** `metadata.organ` (or `site`) as the user gave it; null when unknown. */
  organ: string | null;
  /** `metadata.stain`; null when unknown. */
  stain: string | null;
  widthPx: number;
  heightPx: number;
  /** µm per level-0 pixel; null when the file has none. */
  mppX: number | null;
  objectivePower: number | null;
  /** Tissue patches stored. */
  patchCount: number;
  /** patch count × patch area (level-0 px² × mpp²), in mm²; null without an MPP. An upper bound: edge patches are
   * partly background.
   */
  tissueAreaMm2: number | null;
}

/** One numbered piece of evidence an answer may cite as `[n]`. */
export type EvidenceItem = EvidenceCommon &
  (
    | ({ kind: 'slide-facts'; /** Slide id. */ id: string } & SlideFacts)
    | {
        kind: 'finding';
        /** `<label set id>/<class id>`. */
        id: string;
        labelSetId: string;
        labelSetName: string;
        label: string;
        /** Zero-shot probability of this class among its label set's classes (the slide's mean embedding, or the
         * picture's).
         */
        probability: number;
        /** Set when the finding is read from the user's picture of this number, not from the slide. */
        imageNumber?: number | undefined;
      }
    | {
        kind: 'patch';
        /** Patch row id. */
        id: string;
        slideId: string;
        /** Top-left corner and side, level-0 pixels. */
        xLevel0: number;
        yLevel0: number;
        sizeLevel0Px: number;
        /** Side in µm; null without an MPP. */
        sizeUm: number | null;
        tissueFraction: number;
        captions: NearCaption[];
      }
    | {
        kind: 'prototype';
        /** Prototype row id. */
        id: string;
        slideId: string;
        clusterIndex: number;
        /** Share of the slide's patches in this cluster, 0–1. */
        weight: number;
        /** The most representative patch: id and level-0 position. */
        patchId: string | null;
        xLevel0: number | null;
        yLevel0: number | null;
        sizeLevel0Px: number | null;
        captions: NearCaption[];
      }
    | {
        kind: 'similar-slide';
        /** Slide id. */
        id: string;
        name: string;
        organ: string | null;
        stain: string | null;
        /** The newest report draft stored for that slide, summarised; null when none. */
        report: { id: string; summary: string; createdAt: string } | null;
      }
    | {
        kind: 'image';
        /** `<conversation id>/<file name>`: where the picture is stored under DATA_DIR/conversations. */
        id: string;
        /** 1 for the first picture of the question, and so on. */
        imageNumber: number;
        fileName: string;
        mediaType: string;
        /** Library captions nearest to the picture (image → caption similarity). */
        captions: NearCaption[];
        /** True when the language model was shown the picture itself, not only this description. */
        shownToModel: boolean;
      }
    | {
        kind: 'pair';
        /** Image–text pair id. */
        id: string;
        /**
         * `image`: the pair's image is near the question (cross-modal, the scale of slide
         * regions); `caption`: its caption's text is (text → text, a higher scale, so ranked apart).
         */
        matchedBy: 'image' | 'caption';
        caption: string;
        source: string | null;
        imageRef: string | null;
      }
  );

export type EvidenceKind = EvidenceItem['kind'];

/** `kind:id`: one piece of evidence, whatever number it has in a given answer. */
export const evidenceKey = (item: Pick<EvidenceItem, 'kind' | 'id'>) => `${item.kind}:${item.id}`;

const quote = (text: string, maxChars = 160) => quoteExcerpt(text, maxChars);
const captionList = (captions: NearCaption[]) =>
  captions.length
    ? `; nearest library captions: ${captions.map((caption) => `${quote(caption.caption, captionExcerptChars)} (${caption.score.toFixed(2)})`).join(', ')}`
    : '';

/** How the model sees an evidence item: one line, numbered. */
export function describeEvidence(item: EvidenceItem): string {
  switch (item.kind) {
    case 'slide-facts': {
      const parts = [`Slide facts: ${item.name}`, `${item.widthPx}×${item.heightPx} px at level 0`];
      parts.push(item.organ ? `organ/site ${item.organ}` : 'organ/site not recorded');
      parts.push(item.stain ? `stain ${item.stain}` : 'stain not recorded');
      parts.push(item.mppX ? `${item.mppX.toFixed(3)} µm/px` : 'resolution (MPP) unknown');
      if (item.objectivePower) parts.push(`${item.objectivePower}× objective`);
      parts.push(`${item.patchCount} tissue patches`);
      if (item.tissueAreaMm2 !== null) parts.push(`tissue area about ${item.tissueAreaMm2.toFixed(2)} mm²`);
      return `[${item.n}] ${parts.join(', ')}`;
    }
    case 'finding':
      return `[${item.n}] Zero-shot finding (${item.labelSetName}): ${quote(item.label)} with probability ${item.probability.toFixed(2)}, from ${item.imageNumber ? `the user's image ${item.imageNumber}` : "the whole slide's embedding"}`;
    case 'patch': {
      const size = item.sizeUm !== null ? `, ${item.sizeUm.toFixed(0)} µm wide` : '';
      return `[${item.n}] Slide region at level-0 (${item.xLevel0}, ${item.yLevel0})${size}, ${(item.tissueFraction * 100).toFixed(0)}% tissue, similarity to the question ${item.score.toFixed(2)}${captionList(item.captions)}`;
    }
    case 'prototype': {
      const where = item.xLevel0 !== null ? ` around level-0 (${item.xLevel0}, ${item.yLevel0})` : '';
      return `[${item.n}] Characteristic region ${item.clusterIndex + 1} of the slide${where}, ${(item.weight * 100).toFixed(0)}% of its tissue patches look like it, similarity to the question ${item.score.toFixed(2)}${captionList(item.captions)}`;
    }
    case 'similar-slide': {
      const about = [item.organ, item.stain].filter(Boolean).join(', ');
      const report = item.report
        ? `; its draft report (not a diagnosis): ${quote(item.report.summary, 240)}`
        : '; no report stored';
      return `[${item.n}] Similar slide ${item.name}${about ? ` (${about})` : ''}, similarity ${item.score.toFixed(2)}${report}`;
    }
    case 'image':
      return `[${item.n}] The user's image ${item.imageNumber}${item.shownToModel ? ' (shown to you)' : ''}${captionList(item.captions)}`;
    case 'pair':
      return `[${item.n}] Library image caption (another image, similarity ${item.score.toFixed(2)}): ${quote(item.caption, 240)}`;
  }
}

/** An evidence item before it is ranked and numbered (per kind: `Omit` over the union). */
export type UnrankedEvidence = EvidenceItem extends infer Item
  ? Item extends unknown
    ? Omit<Item, 'n' | 'relevance'>
    : never
  : never;

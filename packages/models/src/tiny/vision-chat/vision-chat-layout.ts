/**
 * Hidden layout of the tiny vision-language model's decoder: one slot per bigram state (a text
 * token's one-hot state), then four designed slots that only pictures and slide tokens fill.
 */
export interface VisionChatLayout {
  /** Bigram states; hidden slots `0 … stateCount − 1`. */
  stateCount: number;
  /** 1 on tokens that came from a picture. */
  imageMarkerSlot: number;
  /** Picture stain in [−1, 1]: + hematoxylin-dominated, − eosin-dominated. */
  imageStainSlot: number;
  /** 1 on tokens that came from the slide encoder. */
  slideMarkerSlot: number;
  /** Slide stain in [−1, 1], from the slide's patch embeddings. */
  slideStainSlot: number;
  hiddenSize: number;
}

export function visionChatLayout(stateCount: number): VisionChatLayout {
  return {
    stateCount,
    imageMarkerSlot: stateCount,
    imageStainSlot: stateCount + 1,
    slideMarkerSlot: stateCount + 2,
    slideStainSlot: stateCount + 3,
    hiddenSize: stateCount + 4,
  };
}

/** Image side the tiny VLM's processor resizes to, and the patch size that gives its image tokens. */
export const tinyVisionImageSizePx = 224;
export const tinyVisionPatchSizePx = 112;
/** (224 / 112)² = 4 tokens per picture, each the mean colour of one quadrant. */
export const tinyVisionTokensPerImage = (tinyVisionImageSizePx / tinyVisionPatchSizePx) ** 2;

/** Slide tokens the tiny slide encoder returns (K) and the most patches it takes (N). */
export const tinySlideTokenCount = 2;
export const tinySlideMaxPatches = 256;

/** Gain on (blue − red) before tanh: hematoxylin ≈ +0.25 → +0.96, eosin ≈ −0.15 → −0.83. */
export const stainGain = 8;
/** Logit push on the designed openings at full stain. */
export const openingBias = 24;

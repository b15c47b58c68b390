/**
 * The designed signal of the tiny CLIP: a few H&E colour prototypes, each with its own
 * embedding direction, and the words that point the same way in text.
 *
 * Colours are mean RGB in [0, 1]. They are chosen to be pairwise separable at the
 * vision graph's temperature (closest pair: background/fat, squared distance ≈ 0.03).
 */
export interface StainClass {
  name: string;
  meanRgb: readonly [number, number, number];
  /** Lower-case words whose tokens map to this class's direction in the text encoder. */
  words: readonly string[];
}

export const stainClasses: readonly StainClass[] = [
  {
    name: 'hematoxylin',
    meanRgb: [0.35, 0.25, 0.6],
    words: [
      'hematoxylin',
      'haematoxylin',
      'purple',
      'blue',
      'nuclei',
      'nucleus',
      'nuclear',
      'lymphocyte',
      'lymphocytes',
      'lymphoid',
      'basophilic',
      'hyperchromatic',
      'tumor',
      'tumour',
      'carcinoma',
      'dense',
      'cellular',
    ],
  },
  {
    name: 'eosin',
    meanRgb: [0.9, 0.55, 0.75],
    words: [
      'eosin',
      'pink',
      'eosinophilic',
      'stroma',
      'stromal',
      'collagen',
      'collagenous',
      'muscle',
      'fibrous',
      'fibrosis',
      'cytoplasm',
      'keratin',
    ],
  },
  {
    name: 'background',
    meanRgb: [0.95, 0.95, 0.95],
    words: ['white', 'background', 'empty', 'glass', 'blank', 'slide'],
  },
  {
    name: 'blood',
    meanRgb: [0.75, 0.1, 0.15],
    words: [
      'red',
      'blood',
      'erythrocyte',
      'erythrocytes',
      'hemorrhage',
      'haemorrhage',
      'hemorrhagic',
      'bleeding',
      'rbc',
      'rbcs',
    ],
  },
  {
    name: 'fat',
    meanRgb: [0.96, 0.86, 0.78],
    words: ['fat', 'fatty', 'adipose', 'adipocyte', 'adipocytes', 'lipid', 'yellow'],
  },
];

/** Words of every class, in class order: used to build the fallback tokenizer's vocabulary. */
export const allStainWords: readonly string[] = stainClasses.flatMap((stainClass) => stainClass.words);

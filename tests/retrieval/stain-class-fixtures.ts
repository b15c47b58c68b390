import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stainPatchPng } from '../helpers/stain-fixtures.ts';

/**
 * Mean colours of the tiny CLIP's designed classes (see packages/models/src/tiny/clip/stain-classes.ts),
 * keyed by the `tissue-components` label set's class ids.
 */
export const tissueComponentColours = {
  cellular: [89, 64, 153],
  stroma: [230, 140, 191],
  blood: [191, 26, 38],
  adipose: [245, 219, 199],
  background: [242, 242, 242],
} as const satisfies Record<string, readonly number[]>;

export type TissueComponent = keyof typeof tissueComponentColours;

/** A stain-coloured patch for a class, its colour shifted a little per `variant` so images differ. */
export function componentPatchPng(component: TissueComponent, variant: number, sizePx = 96): Promise<Buffer> {
  const shift = ((variant * 7) % 11) - 5;
  return stainPatchPng(
    tissueComponentColours[component].map((value) => Math.max(0, Math.min(255, value + shift))),
    10 + variant,
    sizePx,
  );
}

/**
 * A colour-separable zero-shot fixture: `folder/<class>/<n>.png`, `perClass` images per
 * tissue-components class. Returns how many images it wrote.
 */
export async function writeComponentFolder(folder: string, perClass = 3): Promise<number> {
  let written = 0;
  for (const component of Object.keys(tissueComponentColours) as TissueComponent[]) {
    await mkdir(path.join(folder, component), { recursive: true });
    for (let variant = 0; variant < perClass; variant++) {
      await writeFile(path.join(folder, component, `${variant}.png`), await componentPatchPng(component, variant));
      written++;
    }
  }
  return written;
}

/** Captions in the tiny CLIP's vocabulary, two per class: image i of class c gets caption i. */
export const componentCaptions: Record<TissueComponent, [string, string]> = {
  cellular: ['sheets of purple nuclei', 'a dense lymphocyte infiltrate'],
  stroma: ['pink collagen in fibrous stroma', 'eosinophilic smooth muscle'],
  blood: ['red blood cells from haemorrhage', 'fresh erythrocytes and bleeding'],
  adipose: ['mature adipose tissue', 'fat cells with lipid'],
  background: ['empty white background', 'blank glass slide'],
};

/**
 * An image–caption evaluation set in two shapes: `pairs.jsonl` (`image`, `caption`) and
 * `pairs.csv` (`path,caption`), images relative to the files, plus one broken row in each.
 */
export async function writeComponentPairs(folder: string): Promise<{ jsonl: string; csv: string; pairCount: number }> {
  await mkdir(path.join(folder, 'images'), { recursive: true });
  const rows: { image: string; caption: string }[] = [];
  for (const component of Object.keys(componentCaptions) as TissueComponent[]) {
    for (const [variant, caption] of componentCaptions[component].entries()) {
      const image = `images/${component}-${variant}.png`;
      await writeFile(path.join(folder, image), await componentPatchPng(component, variant));
      rows.push({ image, caption });
    }
  }
  const jsonl = path.join(folder, 'pairs.jsonl');
  await writeFile(
    jsonl,
    [
      ...rows.map((row) => JSON.stringify(row)),
      JSON.stringify({ image: 'images/missing.png', caption: 'gone' }),
      'not json',
    ].join('\n') + '\n',
  );
  const csv = path.join(folder, 'pairs.csv');
  await writeFile(
    csv,
    ['path,caption', ...rows.map((row) => `${row.image},"${row.caption}"`), 'images/missing.png,gone'].join('\n') +
      '\n',
  );
  return { jsonl, csv, pairCount: rows.length };
}

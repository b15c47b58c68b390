import type { VqaRow } from './load-evaluation-rows.ts';

/** A labelled picture on disk (a class-folder or file-name-prefix data set such as CRC-VAL-HE-7K). */
export interface LabelledPicture {
  imagePath: string;
  /** Class id as the data set names it (`TUM`, `STR`, …). */
  label: string;
}

/**
 * A closed-ended (yes/no) question set from class labels: for each picture, "Does this image
 * show <its class>?" (yes) and the same question about another class of the set (no), the
 * other class chosen by rotation so every class is asked about equally. Deterministic.
 *
 * @example
 * closedImageQuestions([{ imagePath: 'TUM-1.png', label: 'TUM' }], [{ id: 'TUM', name: 'tumour epithelium' }, { id:
 * 'STR', name: 'stroma' }]);
 */
export function closedImageQuestions(
  pictures: readonly LabelledPicture[],
  classes: readonly { id: string; name: string }[],
): VqaRow[] {
  const classIndex = new Map(classes.map((labelClass, index) => [labelClass.id.toLowerCase(), index]));
  const rows: VqaRow[] = [];
  pictures.forEach((picture, pictureIndex) => {
    const own = classIndex.get(picture.label.toLowerCase());
    if (own === undefined || classes.length < 2) return;
    const other = (own + 1 + (pictureIndex % (classes.length - 1))) % classes.length;
    const ask = (index: number) => `Does this image show ${classes[index]!.name}?`;
    rows.push({ question: ask(own), answer: 'yes', imageId: null, imagePath: picture.imagePath });
    rows.push({ question: ask(other), answer: 'no', imageId: null, imagePath: picture.imagePath });
  });
  return rows;
}

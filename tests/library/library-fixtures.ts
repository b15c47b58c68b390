import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stainColours, stainPatchPng } from '../helpers/stain-fixtures.ts';

/** Pictures for import fixtures: stain-coloured patches the tiny CLIP tells apart. */
export async function fixtureImages(seed = 10) {
  return {
    purple: await stainPatchPng(stainColours.hematoxylin, seed + 1, 96),
    purple2: await stainPatchPng(stainColours.hematoxylin, seed + 2, 96),
    pink: await stainPatchPng(stainColours.eosin, seed + 3, 96),
    pink2: await stainPatchPng(stainColours.eosin, seed + 4, 96),
  };
}

async function put(filePath: string, content: string | Uint8Array): Promise<string> {
  await mkdir(path.dirname(filePath), { recursive: true });
  await writeFile(filePath, content);
  return filePath;
}

/**
 * An OpenPath/Quilt-style CSV with every kind of image reference and every kind of bad row:
 * rows 1–4 good (relative path, file://, data URL, http), 5 a duplicate of row 1's image,
 * 6 a missing image, 7 not an image, 8 an empty caption, 9 a wrong field count,
 * 10 an unreachable URL, 11 good with PHI in its caption.
 */
export async function writeQuiltCsv(directory: string, options: { httpBase: string; unreachableBase: string }) {
  const images = await fixtureImages();
  await put(path.join(directory, 'imgs/purple.png'), images.purple);
  await put(path.join(directory, 'imgs/copy-of-purple.png'), images.purple);
  await put(path.join(directory, 'imgs/pink.png'), images.pink);
  await put(path.join(directory, 'imgs/notes.png'), 'this is a text file, not a picture');
  await put(
    path.join(directory, 'imgs/phi.png'),
    await (await import('../helpers/stain-fixtures.ts')).stainPatchPng([200, 60, 60], 15, 96),
  );
  const dataUrl = `data:image/png;base64,${images.purple2.toString('base64')}`;
  const rows = [
    'image_path,caption,organ,stain,magnification,license,source',
    'imgs/purple.png,Dense purple nuclei of a lymphoid infiltrate,lymph node,H&E,20x,CC-BY-4.0,quilt',
    `${pathToFileURL(path.join(directory, 'imgs/pink.png')).href},"Pink eosinophilic stroma, loose",breast,H&E,10x,CC-BY-4.0,quilt`,
    `"${dataUrl}",Purple nuclear crowding,colon,H&E,40x,CC0,`, // a data URL holds a comma: quoted
    `${options.httpBase}/pink2.png,Pink collagen bundles,skin,H&E,20x,CC-BY-4.0,openpath`,
    'imgs/copy-of-purple.png,The same picture again,lymph node,H&E,20x,CC-BY-4.0,quilt',
    'imgs/missing.png,A caption whose image is gone,colon,H&E,20x,CC-BY-4.0,quilt',
    'imgs/notes.png,A caption whose image is not a picture,colon,H&E,20x,CC-BY-4.0,quilt',
    'imgs/pink.png,   ,colon,H&E,20x,CC-BY-4.0,quilt',
    'imgs/pink.png,too,many,fields,in,this,row,here',
    `${options.unreachableBase}/unreachable.png,An image nobody serves,colon,H&E,20x,CC-BY-4.0,openpath`,
    'imgs/phi.png,"Red cells, seen by Dr. Jane Smith on 03/04/2021, MRN 12345678",blood,H&E,40x,CC-BY-4.0,quilt',
  ];
  return { csv: await put(path.join(directory, 'quilt.csv'), rows.join('\n') + '\n'), images };
}

/** ARCH-style `captions.json` (id → {caption, uuid}) with `images/<uuid>.png` beside it; id 2's image is missing. */
export async function writeArchSet(directory: string) {
  const images = await fixtureImages(20);
  await put(path.join(directory, 'images/u-0.png'), images.purple);
  await put(path.join(directory, 'images/u-1.png'), images.pink);
  const captions = {
    '0': { figure_id: '0', letter: 'A', caption: 'Purple hyperchromatic nuclei.', uuid: 'u-0' },
    '1': { figure_id: '1', letter: 'B', caption: 'Pink keratin pearls.', uuid: 'u-1' },
    '2': { figure_id: '2', letter: 'A', caption: 'A figure whose image was never extracted.', uuid: 'u-2' },
  };
  return put(path.join(directory, 'captions.json'), JSON.stringify(captions, null, 2));
}

/** PathVQA-style Q/A rows (a JSON array), with images named by Image_ID in `images/` when `withImages`. */
export async function writePathVqaSet(directory: string, options: { withImages: boolean }) {
  const images = await fixtureImages(30);
  if (options.withImages) {
    await put(path.join(directory, 'images/Fig.1.png'), images.purple);
    await put(path.join(directory, 'images/Fig.2.jpg'), images.pink); // PNG bytes under .jpg: sharp reads the content
  }
  const rows = [
    { Image_ID: 'Fig.1', Questions: 'What are the purple structures?', Answers: 'nuclei' },
    { Image_ID: 'Fig.1', Questions: 'Are the nuclei crowded?', Answers: 'yes' },
    { Image_ID: 'Fig.2', Questions: 'What is pink here?', Answers: 'the stroma' },
    { Image_ID: 'Fig.2', Questions: 'What is pink here?', Answers: 'the stroma' },
  ];
  return put(path.join(directory, 'qa.json'), JSON.stringify(rows));
}

/** A folder of images with same-name .txt captions: a.png+a.txt, sub/c.png+c.txt good; b.png lacks a caption; d.txt
 * lacks an image.
 */
export async function writeCaptionFolder(directory: string) {
  const images = await fixtureImages(40);
  await put(path.join(directory, 'a.png'), images.purple);
  await put(path.join(directory, 'a.txt'), 'Purple lymphocytes.\n');
  await put(path.join(directory, 'b.png'), images.pink);
  await put(path.join(directory, 'd.txt'), 'A caption with no picture.');
  await put(path.join(directory, 'sub/c.png'), images.pink2);
  await put(path.join(directory, 'sub/c.txt'), 'Pink stroma.');
  return directory;
}

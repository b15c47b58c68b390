import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathLensError } from '@pathlens/core';
import { LabelSetCatalog, loadLabelSets, parseLabelSet } from '@pathlens/retrieval';

const valid = {
  id: 'my-set',
  name: 'Mine',
  templates: ['an image of {class}.', '{class}.'],
  classes: [
    { id: 'a', name: 'alpha', synonyms: ['first'] },
    { id: 'b', name: 'beta', prompts: ['a whole sentence about beta'], templates: [] },
  ],
};

describe('label sets', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-label-sets-'));
  });
  afterAll(async () => rm(directory, { recursive: true, force: true }));

  const failureOf = async (files: Record<string, string>) => {
    const folder = await mkdtemp(path.join(directory, 'case-'));
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(folder, name), text);
    return {
      folder,
      error: await loadLabelSets(folder).then(
        () => null,
        (error: unknown) => error,
      ),
    };
  };

  it('ships the CRC, breast, lung and tissue-component sets, in our own words', async () => {
    const catalog = await LabelSetCatalog.load();
    expect(
      catalog
        .list()
        .map((labelSet) => labelSet.id)
        .sort(),
    ).toEqual(['breast-benign-malignant', 'crc-tissue-types', 'lung-adeno-vs-squamous', 'tissue-components']);
    const crc = catalog.get('crc-tissue-types');
    expect(crc.classes.map((labelClass) => labelClass.id)).toEqual([
      'ADI',
      'DEB',
      'LYM',
      'MUC',
      'MUS',
      'NORM',
      'STR',
      'TUM',
    ]);
    expect(catalog.get('breast-benign-malignant').classes.map((labelClass) => labelClass.id)).toEqual([
      'benign',
      'malignant',
    ]);
    expect(catalog.get('lung-adeno-vs-squamous').classes.map((labelClass) => labelClass.id)).toEqual(['LUAD', 'LUSC']);
    for (const labelSet of catalog.list()) {
      expect(labelSet.builtIn).toBe(true);
      // several prompts per class, every template filled
      for (const labelClass of labelSet.classes) {
        expect(labelClass.prompts.length).toBeGreaterThanOrEqual(8);
        expect(labelClass.prompts.some((prompt) => prompt.includes('{class}'))).toBe(false);
      }
    }
  });

  it('expands templates × names and synonyms, plus whole prompts', () => {
    const labelSet = parseLabelSet(valid, { origin: 'test', builtIn: false, code: 'invalid_request' });
    expect(labelSet.classes[0]!.prompts).toEqual(['an image of alpha.', 'an image of first.', 'alpha.', 'first.']);
    expect(labelSet.classes[1]!.prompts).toEqual(['a whole sentence about beta']);
    expect(labelSet.logitScale).toBeUndefined();
  });

  it('adds a user folder (LABEL_SETS_DIR) to the shipped sets', async () => {
    const folder = await mkdtemp(path.join(directory, 'user-'));
    await writeFile(path.join(folder, 'mine.json'), JSON.stringify({ ...valid, logit_scale: 50 }));
    await writeFile(path.join(folder, 'notes.txt'), 'not a label set; ignored');
    const catalog = await LabelSetCatalog.load({ userDirectory: folder });
    expect(catalog.get('my-set')).toMatchObject({
      builtIn: false,
      logitScale: 50,
      origin: path.join(folder, 'mine.json'),
    });
    expect(catalog.list()).toHaveLength(5);
  });

  it('names the file and the field of an invalid label set', async () => {
    const missingName = await failureOf({
      'broken.json': JSON.stringify({ ...valid, classes: [valid.classes[0], { id: 'b' }] }),
    });
    expect(PathLensError.is(missingName.error, 'invalid_config')).toBe(true);
    expect((missingName.error as Error).message).toContain(path.join(missingName.folder, 'broken.json'));
    expect((missingName.error as Error).message).toContain('classes.1.name');

    const badTemplate = await failureOf({
      'template.json': JSON.stringify({ ...valid, templates: ['no placeholder here'] }),
    });
    expect((badTemplate.error as Error).message).toMatch(/templates\.0: a template must contain \{class\}/);

    const notJson = await failureOf({ 'oops.json': '{ "id": "x", ' });
    expect((notJson.error as Error).message).toMatch(/oops\.json is not valid JSON/);

    const badId = await failureOf({ 'id.json': JSON.stringify({ ...valid, id: 'My Set!' }) });
    expect((badId.error as Error).message).toMatch(/id: use lower-case letters/);

    const oneClass = await failureOf({ 'one.json': JSON.stringify({ ...valid, classes: [valid.classes[0]] }) });
    expect((oneClass.error as Error).message).toMatch(/classes: a label set needs at least two classes/);

    const noPrompts = await failureOf({
      'empty.json': JSON.stringify({
        ...valid,
        templates: [],
        classes: [
          { id: 'a', name: 'alpha' },
          { id: 'b', name: 'beta', prompts: ['x'] },
        ],
      }),
    });
    expect((noPrompts.error as Error).message).toMatch(/classes\.0: class "a" has no prompts/);

    const twice = await failureOf({ 'one.json': JSON.stringify(valid), 'two.json': JSON.stringify(valid) });
    expect((twice.error as Error).message).toMatch(/one\.json and .*two\.json both have id "my-set"/);
  });

  it('refuses a user set that reuses a shipped id, and an unknown id with the known ones listed', async () => {
    const folder = await mkdtemp(path.join(directory, 'clash-'));
    await writeFile(path.join(folder, 'crc.json'), JSON.stringify({ ...valid, id: 'crc-tissue-types' }));
    await expect(LabelSetCatalog.load({ userDirectory: folder })).rejects.toThrow(/both have id "crc-tissue-types"/);
    await expect(LabelSetCatalog.load({ userDirectory: path.join(directory, 'missing') })).rejects.toThrow(
      /Cannot read the label-set folder .*LABEL_SETS_DIR/,
    );
    const catalog = await LabelSetCatalog.load();
    const error = (() => {
      try {
        catalog.get('nope');
      } catch (caught) {
        return caught;
      }
    })();
    expect(PathLensError.is(error, 'label_set_not_found')).toBe(true);
    expect((error as Error).message).toContain('crc-tissue-types');
  });
});

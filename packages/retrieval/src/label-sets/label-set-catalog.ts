import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PathLensError } from '@pathlens/core';
import type { LabelSet } from './label-set.ts';
import { loadLabelSets } from './load-label-sets.ts';

/** The label sets shipped with PathLens: `label-sets/` at the project root. */
export const builtInLabelSetsDirectory = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../label-sets',
);

/** The label sets a server offers: the shipped ones and the user's, by id. */
export class LabelSetCatalog {
  readonly #byId: Map<string, LabelSet>;

  constructor(labelSets: LabelSet[]) {
    this.#byId = new Map();
    for (const labelSet of labelSets) {
      const earlier = this.#byId.get(labelSet.id);
      if (earlier)
        throw new PathLensError(
          'invalid_config',
          `Label sets ${earlier.origin} and ${labelSet.origin} both have id "${labelSet.id}"; give yours another id.`,
          { origin: labelSet.origin, field: 'id' },
        );
      this.#byId.set(labelSet.id, labelSet);
    }
  }

  /**
   * The shipped label sets plus those in `userDirectory` (LABEL_SETS_DIR), validated.
   *
   * @example
   * const catalog = await LabelSetCatalog.load({ userDirectory: config.labelSetsDir });
   * const crc = catalog.get('crc-tissue-types');
   */
  static async load(
    options: { userDirectory?: string | undefined; builtInDirectory?: string } = {},
  ): Promise<LabelSetCatalog> {
    const builtIn = await loadLabelSets(options.builtInDirectory ?? builtInLabelSetsDirectory, { builtIn: true });
    const user = options.userDirectory ? await loadLabelSets(path.resolve(options.userDirectory)) : [];
    return new LabelSetCatalog([...builtIn, ...user]);
  }

  list(): LabelSet[] {
    return [...this.#byId.values()];
  }

  /** The label set with this id; `label_set_not_found` (listing the known ids) otherwise. */
  get(id: string): LabelSet {
    const labelSet = this.#byId.get(id);
    if (!labelSet) {
      throw new PathLensError(
        'label_set_not_found',
        `No label set "${id}". Known: ${[...this.#byId.keys()].join(', ')}. Add your own as a JSON file in LABEL_SETS_DIR (see label-sets/README.md).`,
        { labelSetId: id },
      );
    }
    return labelSet;
  }
}

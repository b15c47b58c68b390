import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PathLensError, type ErrorCode } from '@pathlens/core';
import { labelSetDefinition, toLabelSet, type LabelSet } from './label-set.ts';

/**
 * Validate one label-set definition. Every problem is reported with the field it is in:
 * `crc.json: classes.2.name: a class needs a name`.
 *
 * @param where names the definition in messages (a file path, or "label_set" for one sent in a request)
 * @param code `invalid_config` for files read at start-up, `invalid_request` for one sent in a request
 */
export function parseLabelSet(value: unknown, where: { origin: string; builtIn: boolean; code: ErrorCode }): LabelSet {
  const parsed = labelSetDefinition.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`)
      .join('; ');
    const first = parsed.error.issues[0];
    throw new PathLensError(
      where.code,
      `Invalid label set ${where.origin}: ${problems}. See label-sets/README.md for the format.`,
      {
        origin: where.origin,
        field: first?.path.join('.') ?? null,
      },
    );
  }
  return toLabelSet(parsed.data, where);
}

/**
 * Every `*.json` label set in a directory, in file-name order. A file that is not JSON or
 * does not validate fails with `invalid_config` naming the file and the field; so do two
 * files with the same id.
 *
 * @example
 * const sets = await loadLabelSets('./my-label-sets');
 */
export async function loadLabelSets(directory: string, options: { builtIn?: boolean } = {}): Promise<LabelSet[]> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.toLowerCase().endsWith('.json')).sort();
  } catch (error) {
    throw new PathLensError(
      'invalid_config',
      `Cannot read the label-set folder ${directory} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Check LABEL_SETS_DIR.`,
      { directory },
      { cause: error },
    );
  }
  const sets: LabelSet[] = [];
  const fileById = new Map<string, string>();
  for (const name of names) {
    const file = path.join(directory, name);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new PathLensError(
        'invalid_config',
        `Label set ${file} is not valid JSON: ${(error as Error).message}.`,
        { origin: file, field: null },
        { cause: error },
      );
    }
    const labelSet = parseLabelSet(json, { origin: file, builtIn: options.builtIn ?? false, code: 'invalid_config' });
    const earlier = fileById.get(labelSet.id);
    if (earlier)
      throw new PathLensError(
        'invalid_config',
        `Label sets ${earlier} and ${file} both have id "${labelSet.id}"; give one another id.`,
        { origin: file, field: 'id' },
      );
    fileById.set(labelSet.id, file);
    sets.push(labelSet);
  }
  return sets;
}

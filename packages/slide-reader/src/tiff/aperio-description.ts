/**
 * The Aperio ImageDescription: a header, then `|key = value` pairs, for example
 * `Aperio Image Library v11.2.1 \r\n46000x32914 [...] JPEG/RGB Q=30|AppMag = 20|MPP = 0.4990|...`.
 * Associated images put their name on the second line: `Aperio Image Library v11.2.1 \nlabel 387x463`.
 */
export interface AperioDescription {
  /** Micrometres per level-0 pixel (`MPP`), when present and positive. */
  mpp: number | null;
  /** Objective magnification (`AppMag`), when present and positive. */
  objectivePower: number | null;
  /** All `key = value` pairs as written (a repeated key keeps its first value). */
  fields: Record<string, string>;
  /** First word of the second line ('label', 'macro', or a level's size such as '46000x32914'). */
  secondLineWord: string | null;
}

export function isAperioDescription(description: string | null): description is string {
  return description?.startsWith('Aperio') ?? false;
}

export function parseAperioDescription(description: string): AperioDescription {
  const [, ...pairs] = description.split('|');
  const fields: Record<string, string> = {};
  for (const pair of pairs) {
    const separator = pair.indexOf('=');
    if (separator < 0) continue;
    const key = pair.slice(0, separator).trim();
    if (key && !(key in fields)) fields[key] = pair.slice(separator + 1).trim();
  }
  const secondLine = description.split(/\r?\n/)[1];
  return {
    mpp: positiveNumber(fields['MPP']),
    objectivePower: positiveNumber(fields['AppMag']),
    fields,
    secondLineWord: secondLine?.trim().split(/\s+/)[0]?.toLowerCase() || null,
  };
}

function positiveNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : null;
}

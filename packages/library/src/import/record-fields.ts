import { RowRejection } from './row-rejection.ts';

/** Where a row's image comes from: a reference (path, file:// or http(s) URL, data URL), ids to look up in an images folder, or none (text-only). */
export type ImageSource = { kind: 'reference'; value: string } | { kind: 'ids'; values: string[] } | { kind: 'none' };

/** A row read and understood, before its image is loaded and its text scrubbed. */
export interface PairCandidate {
  /** Whitespace collapsed; not yet scrubbed. */
  caption: string;
  image: ImageSource;
  source: string | null;
  /** Every other field, as text. */
  metadata: Record<string, string>;
}

/** Field names each role is recognised by, compared lower-case without `_`, `-`, spaces; first match wins. */
export const fieldNames = {
  image: [
    'imagepath',
    'image',
    'imagefile',
    'imageurl',
    'imageuri',
    'imagename',
    'img',
    'imgpath',
    'imgurl',
    'filename',
    'file',
    'filepath',
    'path',
    'url',
    'uri',
  ],
  imageId: ['imageid', 'imgid', 'uuid', 'figureid', 'figid', 'id'],
  caption: ['caption', 'captions', 'text', 'correctedtext', 'description', 'alttext', 'sentence'],
  question: ['question', 'questions'],
  answer: ['answer', 'answers'],
  source: ['source'],
} as const;

/** Metadata keys spelled one way whatever the input used. */
const metadataKeyAliases: Record<string, string> = { license: 'licence' };

export const largestCaptionCharacters = 10_000;
const largestMetadataCharacters = 65_536;

const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Whether a row has something to caption with (a caption field, or a question and an answer). */
export function hasCaptionField(fields: Record<string, unknown>): boolean {
  const names = new Set(Object.keys(fields).map(normalise));
  const has = (role: keyof typeof fieldNames) => fieldNames[role].some((name) => names.has(name));
  return has('caption') || (has('question') && has('answer'));
}

/**
 * Understand one row: which field is the caption (or question + answer, stored as the caption
 * "Q: … A: …" with `question` and `answer` also in metadata), which is the image, which the
 * source; every other non-empty field goes to metadata. `textOnly` ignores image fields.
 */
export function candidateFromFields(fields: Record<string, unknown>, options: { textOnly: boolean }): PairCandidate {
  const byRole = new Map<string, string>(); // normalised role name → original key
  for (const key of Object.keys(fields)) {
    const normalised = normalise(key);
    if (!byRole.has(normalised)) byRole.set(normalised, key);
  }
  const used = new Set<string>();
  const take = (role: keyof typeof fieldNames): { key: string; value: string } | null => {
    for (const name of fieldNames[role]) {
      const key = byRole.get(name);
      if (key === undefined || used.has(key)) continue;
      const value = fieldText(fields[key]).trim();
      if (value === '') continue;
      used.add(key);
      return { key, value };
    }
    return null;
  };

  const question = take('question');
  const answer = take('answer');
  const captionField = take('caption');
  let caption: string;
  const extra: Record<string, string> = {};
  if (question && answer) {
    caption = `Q: ${question.value} A: ${answer.value}`;
    extra.question = collapse(question.value);
    extra.answer = collapse(answer.value);
  } else if (captionField) {
    caption = captionField.value;
  } else {
    const names = Object.keys(fields).join(', ') || 'none';
    throw new RowRejection(
      'no_caption',
      question
        ? `question without an answer (fields: ${names})`
        : `no caption: the caption field is missing or empty (fields: ${names})`,
    );
  }
  caption = collapse(caption);
  if (caption.length > largestCaptionCharacters) {
    throw new RowRejection(
      'caption_too_long',
      `caption is ${caption.length} characters; the most is ${largestCaptionCharacters}`,
    );
  }

  let image: ImageSource = { kind: 'none' };
  const reference = take('image');
  if (reference && !options.textOnly) {
    image = { kind: 'reference', value: reference.value };
    if (reference.value.startsWith('data:')) used.add(reference.key);
    else used.delete(reference.key); // keep the original reference in metadata as provenance
  } else if (!reference && !options.textOnly) {
    const imageFieldKey = fieldNames.image.map((name) => byRole.get(name)).find((key) => key !== undefined);
    if (imageFieldKey !== undefined)
      throw new RowRejection('missing_image', `the image field "${imageFieldKey}" is empty`);
    const ids = fieldNames.imageId
      .map((name) => byRole.get(name))
      .filter((key): key is string => key !== undefined)
      .map((key) => fieldText(fields[key]).trim())
      .filter(Boolean);
    if (ids.length > 0) image = { kind: 'ids', values: ids };
  }

  const source = take('source');
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (used.has(key)) continue;
    const text = fieldText(value).trim();
    if (text !== '') metadata[metadataKeyAliases[normalise(key)] ?? key] = text;
  }
  Object.assign(metadata, extra);
  if (JSON.stringify(metadata).length > largestMetadataCharacters) {
    throw new RowRejection(
      'metadata_too_large',
      `the row's other fields add up to over ${largestMetadataCharacters / 1024} kB of metadata; drop the large columns`,
    );
  }
  return { caption, image, source: source?.value ?? null, metadata };
}

/** A field's value as text: strings as they are, numbers and booleans printed, lists joined with "; ", objects as JSON.
 *
 */
function fieldText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(fieldText).filter(Boolean).join('; ');
  return JSON.stringify(value);
}

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

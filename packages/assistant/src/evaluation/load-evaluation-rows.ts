import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PathLensError } from '@pathlens/core';

/** A question with its reference answer. */
export interface VqaRow {
  question: string;
  answer: string;
  /** Image or figure id when the file has one. */
  imageId: string | null;
  /** A picture to ask about (`image` or `image_path`, relative to the file's folder), sent as an image part. */
  imagePath: string | null;
}

/** A slide with its reference report. */
export interface ReportReference {
  /** A slide id on the server, or a path to a slide file to ingest first. */
  slide: string;
  reference: string;
  /** Terms the report should contain; when absent, the template's key terms found in the reference. */
  keyTerms: string[] | null;
  templateId: string | null;
}

async function readRows(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new PathLensError('invalid_request', `Cannot read ${file}: ${(error as Error).message}.`);
  }
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('[')) return JSON.parse(trimmed) as unknown[];
    return trimmed
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as unknown);
  } catch (error) {
    throw new PathLensError(
      'invalid_request',
      `${file} is neither a JSON array nor JSON lines: ${(error as Error).message}.`,
    );
  }
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : null);

/**
 * Question/answer rows from the PathVQA release files or your own: PathVQA's QA pairs
 * (`Questions`, `Answers`, `Image_ID`), its LXMERT-form splits (`sentf.pvqa` questions with
 * `labelf.pvqa` answers), or a JSON array / JSON lines of `{ question, answer, image? }` (`image`: a picture path,
 * relative to the file's folder, asked about with the question).
 *
 * @example
 * const rows = await loadVqaRows('../shared/data/text/pathvqa_QA_pairs_vb.json');
 */
export async function loadVqaRows(file: string): Promise<VqaRow[]> {
  const rows: VqaRow[] = [];
  for (const value of await readRows(file)) {
    const row = (value ?? {}) as Record<string, unknown>;
    const question = text(row.question) ?? text(row.Questions);
    const answer = text(row.answer) ?? text(row.Answers);
    if (question && answer) {
      const image = text(row.image) ?? text(row.image_path);
      rows.push({
        question,
        answer,
        imageId: text(row.image_id) ?? text(row.Image_ID),
        imagePath: image ? path.resolve(path.dirname(file), image) : null,
      });
      continue;
    }
    const sentences = (row.sentf as { pvqa?: unknown } | undefined)?.pvqa;
    const labels = (row.labelf as { pvqa?: unknown } | undefined)?.pvqa;
    if (Array.isArray(sentences) && Array.isArray(labels)) {
      sentences.forEach((sentence, index) => {
        const label = labels[index] as Record<string, number> | undefined;
        const best = label ? Object.entries(label).sort((a, b) => b[1] - a[1])[0]?.[0] : undefined;
        if (typeof sentence === 'string' && best)
          rows.push({ question: sentence, answer: best, imageId: text(row.img_id), imagePath: null });
      });
    }
  }
  if (rows.length === 0)
    throw new PathLensError(
      'invalid_request',
      `${file} has no question/answer rows: expected PathVQA's files or rows of { "question", "answer" }.`,
    );
  return rows;
}

/**
 * Slide/report pairs: a JSON array or JSON lines of `{ "slide": "<id or slide file path>",
 * "reference": "<report text>", "key_terms"?: [...], "template_id"?: "..." }`.
 */
export async function loadReportReferences(file: string): Promise<ReportReference[]> {
  const references = (await readRows(file)).map((value, index) => {
    const row = (value ?? {}) as Record<string, unknown>;
    const slide = text(row.slide) ?? text(row.slide_id) ?? text(row.slide_path);
    const reference = text(row.reference) ?? text(row.report);
    if (!slide || !reference)
      throw new PathLensError(
        'invalid_request',
        `${file} row ${index + 1}: needs "slide" (an id or a path) and "reference" (the report text).`,
      );
    const keyTerms = Array.isArray(row.key_terms)
      ? row.key_terms.filter((term): term is string => typeof term === 'string')
      : null;
    return { slide, reference, keyTerms, templateId: text(row.template_id) };
  });
  if (references.length === 0) throw new PathLensError('invalid_request', `${file} has no slide/report pairs.`);
  return references;
}

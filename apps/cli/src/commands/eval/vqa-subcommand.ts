import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  closedImageQuestions,
  draftNotice,
  loadVqaRows,
  scoreVqa,
  type VqaPrediction,
  type VqaRow,
  type VqaScores,
} from '@pathlens/assistant';
import { listLabelledImages } from '@pathlens/retrieval';
import { connectApi, expectOk } from '../../api-client.ts';
import { addConfigOptions, configFromOptions } from '../../config-options.ts';
import { progressReporter } from './progress-reporter.ts';
import { seededSample } from './seeded-sample.ts';
import { fixed3, textTable } from './text-table.ts';
import { writeReport } from './write-report.ts';
import { resolveLabelSet } from './zero-shot-subcommand.ts';

interface ChatAnswer {
  model: string;
  choices: { message: { content: string } }[];
  answer_supported?: boolean;
  warnings?: string[];
}

/** The answer without the draft notice the assistant appends to every answer. */
export const withoutNotice = (content: string) => content.replace(`_${draftNotice}_`, '').trim();

/**
 * `pathlens eval vqa --qa <file>`: asks the assistant (through the chat API, so any model and
 * provider it is configured with) each question, and scores the answers as PathVQA does:
 * closed-ended yes/no accuracy, open-ended exact match and token F1.
 */
export function vqaSubcommand(evaluation: Command): void {
  addConfigOptions(
    evaluation
      .command('vqa')
      .description(
        'PathVQA-style question answering: closed-ended (yes/no) accuracy, open-ended exact match and token F1',
      )
      .requiredOption(
        '--qa <file or folder>',
        "PathVQA's QA-pairs JSON or LXMERT-form split, JSON/JSONL rows of { question, answer, image? }, or a folder of labelled pictures (closed questions from the labels)",
      )
      .option(
        '--labels <label set>',
        'with a folder: the label set naming its classes (id or JSON file)',
        'crc-tissue-types',
      )
      .option('--limit <count>', 'questions asked: a seeded sample when the file has more (0: all)', '100')
      .option('--seed <number>', 'seed of the sample', '1')
      .option('--slide <id>', 'ask every question about this slide (PathVQA ships no slides: by default, no slide)')
      .option('--max-tokens <count>', 'answer length limit', '48')
      .option('--server <url>', 'a running PathLens server (default: HOST:PORT when one answers, else in-process)')
      .option('--out <file>', 'also write the scores and every answer as JSON'),
  ).action(async (options: Record<string, unknown>) => {
    const file = String(options.qa);
    const rows = (await stat(file).catch(() => null))?.isDirectory()
      ? await pictureQuestions(file, String(options.labels), configFromOptions(options).labelSetsDir)
      : await loadVqaRows(file);
    const limit = Number.parseInt(String(options.limit), 10);
    if (!(limit >= 0)) throw new Error(`--limit takes a whole number (0 for all); got ${options.limit}`);
    const sample = limit === 0 || limit >= rows.length ? rows : seededSample(rows, limit, Number(options.seed));
    const api = await connectApi(configFromOptions(options), options.server as string | undefined);
    const progress = progressReporter('asking');
    const predictions: (VqaPrediction & { supported: boolean })[] = [];
    let model = '';
    let warnings: string[] = [];
    try {
      for (const [index, row] of sample.entries()) {
        const response = await api.fetch('/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'pathlens',
            messages: [{ role: 'user', content: await questionContent(row) }],
            max_tokens: Number(options.maxTokens),
            temperature: 0,
            slide_id: options.slide,
          }),
        });
        const answer = (await (await expectOk(response)).json()) as ChatAnswer;
        model = answer.model;
        warnings = answer.warnings?.filter((warning) => warning.startsWith('DEMO')) ?? [];
        predictions.push({
          question: row.question,
          reference: row.answer,
          prediction: withoutNotice(answer.choices[0]?.message.content ?? ''),
          supported: answer.answer_supported !== false,
        });
        progress.update(index + 1, sample.length);
      }
    } finally {
      progress.stop();
      await api.close();
    }
    const scores = scoreVqa(predictions);
    const declined = predictions.filter((prediction) => !prediction.supported).length;
    console.log(formatVqa(scores, { file, total: rows.length, model, declined, demo: warnings.length > 0 }));
    if (options.out)
      await writeReport(String(options.out), 'vqa', {
        qa_file: path.resolve(file),
        rows_in_file: rows.length,
        seed: Number(options.seed),
        model,
        declined,
        scores,
        predictions,
      });
  });
}

/** The question as a message: text, or text and the picture as a data-URL image part. */
async function questionContent(row: VqaRow): Promise<string | unknown[]> {
  if (!row.imagePath) return row.question;
  const bytes = await readFile(row.imagePath);
  const mediaType =
    { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' }[
      path.extname(row.imagePath).toLowerCase()
    ] ?? 'image/tiff';
  return [
    { type: 'text', text: row.question },
    { type: 'image_url', image_url: { url: `data:${mediaType};base64,${bytes.toString('base64')}` } },
  ];
}

/** Closed-ended questions from a folder of labelled pictures (CRC-VAL-HE-7K style: class = file-name prefix or
 * sub-folder).
 */
async function pictureQuestions(folder: string, labels: string, labelSetsDir: string | undefined): Promise<VqaRow[]> {
  const labelSet = await resolveLabelSet(labels, labelSetsDir);
  const { images } = await listLabelledImages(folder);
  const pictures = images.flatMap((image) =>
    'file' in image.image ? [{ imagePath: image.image.file, label: image.label }] : [],
  );
  const rows = closedImageQuestions(pictures, labelSet.classes);
  if (rows.length === 0)
    throw new Error(
      `No picture in ${folder} has a label of ${labelSet.id} (${labelSet.classes.map((labelClass) => labelClass.id).join(', ')}).`,
    );
  return rows;
}

export function formatVqa(
  scores: VqaScores,
  context: { file: string; total: number; model: string; declined: number; demo: boolean },
): string {
  const value = (metric: number | null) => (metric === null ? 'n/a' : fixed3(metric));
  return [
    `VQA on ${path.basename(context.file)}: ${scores.count} of ${context.total} questions, model ${context.model}${context.demo ? ' (DEMO model: numbers only show the machinery works)' : ''}`,
    textTable([
      ['metric', 'value', 'questions'],
      ['closed-ended (yes/no) accuracy', value(scores.closed.accuracy), String(scores.closed.count)],
      [
        '  answered yes or no at all',
        value(scores.closed.count ? scores.closed.answeredYesOrNo / scores.closed.count : null),
        String(scores.closed.answeredYesOrNo),
      ],
      ['open-ended exact match', value(scores.open.exactMatch), String(scores.open.count)],
      ['open-ended token F1', value(scores.open.tokenF1), String(scores.open.count)],
      [
        'declined (evidence below the floor)',
        value(scores.count ? context.declined / scores.count : null),
        String(context.declined),
      ],
    ]),
  ].join('\n');
}

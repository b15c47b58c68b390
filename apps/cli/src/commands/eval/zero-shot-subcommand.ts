import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { PathLensError } from '@pathlens/core';
import {
  evaluateZeroShot,
  LabelSetCatalog,
  listLabelledImages,
  parseLabelSet,
  type LabelSet,
  type ZeroShotEvaluation,
} from '@pathlens/retrieval';
import { addConfigOptions, configFromOptions } from '../../config-options.ts';
import { loadEvaluationEncoders } from './load-evaluation-encoders.ts';
import { progressReporter } from './progress-reporter.ts';
import { fixed3, textTable } from './text-table.ts';
import { writeReport } from './write-report.ts';

/** `pathlens eval zeroshot --labels <set> --images <folder or csv>`: accuracy, balanced accuracy, weighted F1,
 * confusion matrix.
 */
export function zeroShotSubcommand(evaluation: Command): void {
  addConfigOptions(
    evaluation
      .command('zeroshot')
      .alias('zero-shot')
      .description('Zero-shot accuracy, balanced accuracy, weighted F1 and the confusion matrix on labelled images')
      .requiredOption('--labels <label-set>', 'a label-set id (`pathlens label-sets`) or a label-set .json file')
      .requiredOption(
        '--images <folder-or-file>',
        'a folder (label = sub-folder name, or file-name prefix before - or _) or a CSV/TSV/JSONL with image + label columns',
      )
      .option('--out <file>', 'also write the results (and every prediction) as JSON'),
  ).action(async (options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    const labelSet = await resolveLabelSet(String(options.labels), config.labelSetsDir);
    const { images, rejected } = await listLabelledImages(String(options.images));
    const encoders = await loadEvaluationEncoders(config);
    const progress = progressReporter('classifying');
    try {
      const result = await evaluateZeroShot(encoders, images, labelSet, {
        defaultLogitScale: config.zeroShotLogitScale,
        rejected,
        onProgress: progress.update,
      });
      progress.stop();
      console.log(formatZeroShot(result, String(options.images), encoders.entry.demo));
      if (options.out)
        await writeReport(String(options.out), 'zeroshot', { images: path.resolve(String(options.images)), ...result });
    } finally {
      progress.stop();
      await encoders.dispose();
    }
  });
}

/** A label set by id (built in or in LABEL_SETS_DIR), or a label-set JSON file. */
export async function resolveLabelSet(value: string, labelSetsDir: string | undefined): Promise<LabelSet> {
  if (value.toLowerCase().endsWith('.json') && existsSync(value)) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(value, 'utf8'));
    } catch (error) {
      throw new PathLensError('invalid_request', `Label set ${value} is not valid JSON: ${(error as Error).message}.`);
    }
    return parseLabelSet(json, { origin: path.resolve(value), builtIn: false, code: 'invalid_request' });
  }
  return (await LabelSetCatalog.load({ userDirectory: labelSetsDir })).get(value);
}

export function formatZeroShot(result: ZeroShotEvaluation, source: string, demo: boolean): string {
  const short = (id: string) => (id.length > 10 ? id.slice(0, 9) + '…' : id);
  const lines = [
    `Zero-shot ${result.labelSetId} on ${source}: ${result.count} images, model ${result.modelId}${demo ? ' (DEMO model: numbers only show the machinery works)' : ''}`,
    textTable([
      ['metric', 'value'],
      ['accuracy', fixed3(result.accuracy)],
      ['balanced accuracy', fixed3(result.balancedAccuracy)],
      ['weighted F1', fixed3(result.weightedF1)],
      ['chance (balanced)', fixed3(result.chanceBalancedAccuracy)],
    ]),
    '',
    'confusion matrix (rows: true class, columns: predicted)',
    textTable([
      ['', ...result.labels.map(short)],
      ...result.labels.map((label, row) => [label, ...result.confusionMatrix[row]!.map(String)]),
    ]),
    '',
    textTable([
      ['class', 'precision', 'recall', 'F1', 'support'],
      ...result.perClass.map((entry) => [
        entry.id,
        fixed3(entry.precision),
        fixed3(entry.recall),
        fixed3(entry.f1),
        String(entry.support),
      ]),
    ]),
  ];
  const skipped = [
    ...result.rejected.map((row) => `line ${row.line}: ${row.reason}`),
    ...result.unreadable.map((entry) => `${entry.origin}: ${entry.reason}`),
  ];
  if (skipped.length)
    lines.push('', `${skipped.length} images skipped:`, ...skipped.slice(0, 20).map((line) => `  ${line}`));
  return lines.join('\n');
}

import path from 'node:path';
import type { Command } from 'commander';
import { evaluateRetrieval, type RetrievalEvaluation } from '@pathlens/retrieval';
import { addConfigOptions, configFromOptions } from '../../config-options.ts';
import { loadEvaluationEncoders } from './load-evaluation-encoders.ts';
import { progressReporter } from './progress-reporter.ts';
import { fixed3, textTable } from './text-table.ts';
import { writeReport } from './write-report.ts';

/** `pathlens eval retrieval --pairs <file>`: Recall@K and median rank, image → text and text → image. */
export function retrievalSubcommand(evaluation: Command): void {
  addConfigOptions(
    evaluation
      .command('retrieval')
      .description(
        'Recall@1/5/10/50 and median rank in both directions on image–caption pairs (JSONL/CSV/TSV with image + caption columns)',
      )
      .requiredOption(
        '--pairs <file>',
        '.jsonl, .csv or .tsv: an image column (image, path, file…) and a caption column (caption, text); images relative to the file',
      )
      .option('--recall-at <list>', 'cut-offs K', '1,5,10,50')
      .option('--out <file>', 'also write the results as JSON'),
  ).action(async (options: Record<string, unknown>) => {
    const cutoffs = String(options.recallAt)
      .split(',')
      .map((value) => Number.parseInt(value, 10));
    if (cutoffs.some((value) => !(value > 0)))
      throw new Error(`--recall-at takes positive whole numbers like 1,5,10; got ${options.recallAt}`);
    const encoders = await loadEvaluationEncoders(configFromOptions(options));
    const progress = progressReporter('encoding pairs');
    try {
      const result = await evaluateRetrieval(encoders, String(options.pairs), { cutoffs, onProgress: progress.update });
      progress.stop();
      console.log(formatRetrieval(result, encoders.entry.demo));
      if (options.out) await writeReport(String(options.out), 'retrieval', result);
    } finally {
      progress.stop();
      await encoders.dispose();
    }
  });
}

export function formatRetrieval(result: RetrievalEvaluation, demo: boolean): string {
  const header = ['direction', ...result.cutoffs.map((cutoff) => `R@${cutoff}`), 'median rank', 'mean rank'];
  const row = (name: string, metrics: RetrievalEvaluation['imageToText']) => [
    name,
    ...result.cutoffs.map((cutoff) => fixed3(metrics.recallAt[cutoff]!)),
    String(metrics.medianRank),
    metrics.meanRank.toFixed(2),
  ];
  const lines = [
    `Retrieval on ${path.basename(result.pairsFile)}: ${result.count} pairs, model ${result.modelId}${demo ? ' (DEMO model: numbers only show the machinery works)' : ''}`,
    textTable([header, row('image → text', result.imageToText), row('text → image', result.textToImage)]),
    `chance R@1: ${fixed3(1 / result.count)}`,
  ];
  if (result.rejected.length)
    lines.push(
      `${result.rejected.length} rows skipped:`,
      ...result.rejected.slice(0, 20).map((row) => `  line ${row.line}: ${row.reason}`),
      ...(result.rejected.length > 20 ? ['  …'] : []),
    );
  return lines.join('\n');
}

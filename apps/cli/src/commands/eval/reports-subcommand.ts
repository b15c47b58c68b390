import { existsSync, openAsBlob } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { corpusBleu4, keyTermRecall, loadReportReferences, rougeL, type Report } from '@pathlens/assistant';
import { connectApi, expectOk, type ApiClient } from '../../api-client.ts';
import { addConfigOptions, configFromOptions } from '../../config-options.ts';
import { progressReporter } from './progress-reporter.ts';
import { fixed3, textTable } from './text-table.ts';
import { writeReport } from './write-report.ts';

interface DraftedReport {
  id: string;
  model: string;
  template_id: string;
  report: Report;
  warnings: string[];
}

/** The text of a report that is compared with the reference: candidates, description, findings. */
export function reportText(report: Report): string {
  return [
    ...report.candidate_diagnoses.map((candidate) => candidate.diagnosis),
    report.microscopic_description,
    ...report.key_findings.map((finding) => finding.finding),
  ]
    .join(' ')
    .replace(/\s*\[\d{1,3}\]/g, '');
}

/** A slide id as it is, or a slide file ingested (or found already ingested) and waited for. */
async function resolveSlide(api: ApiClient, slide: string, baseDir: string): Promise<string> {
  const file = path.resolve(baseDir, slide);
  if (!existsSync(file)) return slide;
  const form = new FormData();
  form.append('file', await openAsBlob(file), path.basename(file));
  const queued = (await (await expectOk(await api.fetch('/v1/slides', { method: 'POST', body: form }))).json()) as {
    id: string;
  };
  for (;;) {
    const view = (await (await expectOk(await api.fetch(`/v1/slides/${queued.id}`))).json()) as {
      status: string;
      failure_reason: string | null;
    };
    if (view.status === 'ready') return queued.id;
    if (view.status === 'failed') throw new Error(`Ingesting ${file} failed: ${view.failure_reason}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * `pathlens eval reports --refs <file>`: drafts a report for each slide (through the API) and
 * compares it with the reference: corpus BLEU-4, mean ROUGE-L, and the share of key terms recovered.
 */
export function reportsSubcommand(evaluation: Command): void {
  addConfigOptions(
    evaluation
      .command('reports')
      .description('Report drafts against reference reports: BLEU-4, ROUGE-L and key-term recall')
      .requiredOption(
        '--refs <file>',
        'JSON/JSONL rows of { slide (id or slide file), reference, key_terms?, template_id? }',
      )
      .option('--limit <count>', 'pairs evaluated (0: all)', '0')
      .option('--server <url>', 'a running PathLens server (default: HOST:PORT when one answers, else in-process)')
      .option('--out <file>', 'also write the scores and every draft as JSON'),
  ).action(async (options: Record<string, unknown>) => {
    const file = String(options.refs);
    const limit = Number.parseInt(String(options.limit), 10);
    const references = (await loadReportReferences(file)).slice(0, limit > 0 ? limit : undefined);
    const api = await connectApi(configFromOptions(options), options.server as string | undefined);
    const progress = progressReporter('drafting');
    const results: {
      slide: string;
      report_id: string;
      template_id: string;
      reference: string;
      hypothesis: string;
      rouge_l: number;
      key_terms: string[];
      key_term_recall: number | null;
    }[] = [];
    let model = '';
    let demo = false;
    try {
      const templates = (await (await expectOk(await api.fetch('/v1/report-templates'))).json()) as {
        data: { id: string; key_terms: string[] }[];
      };
      for (const [index, reference] of references.entries()) {
        const slideId = await resolveSlide(api, reference.slide, path.dirname(path.resolve(file)));
        const response = await api.fetch('/v1/reports', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ slide_id: slideId, template_id: reference.templateId ?? undefined }),
        });
        const drafted = (await (await expectOk(response)).json()) as DraftedReport;
        model = drafted.model;
        demo ||= drafted.warnings.some((warning) => warning.startsWith('DEMO'));
        const hypothesis = reportText(drafted.report);
        const templateTerms = templates.data.find((template) => template.id === drafted.template_id)?.key_terms ?? [];
        const keyTerms =
          reference.keyTerms ?? templateTerms.filter((term) => keyTermRecall(reference.reference, [term]) === 1);
        results.push({
          slide: slideId,
          report_id: drafted.id,
          template_id: drafted.template_id,
          reference: reference.reference,
          hypothesis,
          rouge_l: rougeL(hypothesis, reference.reference),
          key_terms: keyTerms,
          key_term_recall: keyTermRecall(hypothesis, keyTerms),
        });
        progress.update(index + 1, references.length);
      }
    } finally {
      progress.stop();
      await api.close();
    }
    const bleu4 = corpusBleu4(
      results.map((result) => ({ hypothesis: result.hypothesis, reference: result.reference })),
    );
    const meanOf = (values: number[]) =>
      values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : null;
    const rouge = meanOf(results.map((result) => result.rouge_l));
    const recalls = results.flatMap((result) => (result.key_term_recall === null ? [] : [result.key_term_recall]));
    const keyTerms = meanOf(recalls);
    const value = (metric: number | null) => (metric === null ? 'n/a' : fixed3(metric));
    console.log(
      [
        `Reports on ${path.basename(file)}: ${results.length} slide/report pairs, model ${model}${demo ? ' (DEMO model: numbers only show the machinery works)' : ''}`,
        textTable([
          ['metric', 'value'],
          ['BLEU-4 (corpus)', value(bleu4)],
          ['ROUGE-L (mean F, β=1.2)', value(rouge)],
          [`key-term recall (mean of ${recalls.length})`, value(keyTerms)],
        ]),
      ].join('\n'),
    );
    if (options.out)
      await writeReport(String(options.out), 'reports', {
        refs_file: path.resolve(file),
        model,
        bleu4,
        rouge_l: rouge,
        key_term_recall: keyTerms,
        pairs: results,
      });
  });
}

import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { connectApi, expectOk, type ApiClient } from '../api-client.ts';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

const formats = ['json', 'markdown', 'fhir'] as const;

function parseFormat(value: string): string {
  if (!(formats as readonly string[]).includes(value))
    throw new InvalidArgumentError(`must be one of ${formats.join(', ')}`);
  return value;
}

/**
 * `pathlens report draft <slide-id>` and `pathlens report show <report-id>`, printing (or writing with
 * `--out`) the report as PathLens JSON, markdown or a FHIR R4 Bundle (`--format fhir`).
 */
export function reportCommand(program: Command): void {
  const report = program
    .command('report')
    .description('Draft a structured report for a slide, or read one back (JSON, markdown or FHIR R4)');
  const withOutputOptions = (command: Command) =>
    addConfigOptions(
      command
        .option(
          '--format <format>',
          `output: ${formats.join(' | ')} (fhir: a FHIR R4 Bundle with a preliminary DiagnosticReport)`,
          parseFormat,
          'markdown',
        )
        .option('--out <file>', 'write the report to this file instead of printing it')
        .option('--server <url>', 'a running PathLens server'),
    );

  withOutputOptions(
    report.command('draft <slide-id>').description('Draft a report for an ingested slide (POST /v1/reports)'),
  )
    .option('--template <id>', 'report template id (default: the one for the slide’s organ)')
    .option('--context <text>', 'clinical context from the requester (recorded, not verified)')
    .action(async (slideId: string, options: Record<string, unknown>) => {
      await withApi(options, async (api) => {
        const body = { slide_id: slideId, template_id: options.template, clinical_context: options.context };
        const response = await expectOk(
          await api.fetch('/v1/reports', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          }),
        );
        const drafted = (await response.json()) as { id: string; warnings?: string[] };
        for (const warning of drafted.warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
        process.stderr.write(`report ${drafted.id}\n`);
        await printReport(api, drafted.id, options);
      });
    });

  withOutputOptions(
    report.command('show <report-id>').description('Print a stored report (GET /v1/reports/:id)'),
  ).action(async (reportId: string, options: Record<string, unknown>) => {
    await withApi(options, (api) => printReport(api, reportId, options));
  });
}

async function withApi(options: Record<string, unknown>, work: (api: ApiClient) => Promise<void>): Promise<void> {
  const api = await connectApi(configFromOptions(options), options.server as string | undefined);
  try {
    await work(api);
  } finally {
    await api.close();
  }
}

async function printReport(api: ApiClient, reportId: string, options: Record<string, unknown>): Promise<void> {
  const response = await expectOk(
    await api.fetch(`/v1/reports/${encodeURIComponent(reportId)}?format=${options.format}`),
  );
  const text =
    options.format === 'markdown' ? await response.text() : JSON.stringify(await response.json(), null, 2) + '\n';
  if (options.out) {
    await writeFile(String(options.out), text);
    process.stderr.write(`written to ${options.out}\n`);
  } else {
    process.stdout.write(text);
  }
}

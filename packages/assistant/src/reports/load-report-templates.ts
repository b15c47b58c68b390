import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PathLensError } from '@pathlens/core';
import { reportTemplateSchema, type ReportTemplate } from './report-template.ts';

/** The templates shipped with PathLens (`report-templates/` at the repository root). */
export const shippedReportTemplatesDir = fileURLToPath(new URL('../../../../report-templates', import.meta.url));

/** The id used when no template names the slide's organ. */
export const fallbackTemplateId = 'general';

/**
 * Every `*.json` template in the shipped folder, then in `extraDir` (REPORT_TEMPLATES_DIR);
 * a later file with the same id replaces an earlier one. A file that does not validate stops
 * start-up with a message naming the file and the field.
 *
 * @example
 * const templates = await loadReportTemplates({ extraDir: process.env.REPORT_TEMPLATES_DIR });
 */
export async function loadReportTemplates(
  options: { extraDir?: string | undefined } = {},
): Promise<Map<string, ReportTemplate>> {
  const templates = new Map<string, ReportTemplate>();
  for (const directory of [shippedReportTemplatesDir, options.extraDir].filter((entry): entry is string =>
    Boolean(entry),
  )) {
    let names: string[];
    try {
      names = (await readdir(directory)).filter((name) => name.endsWith('.json')).sort();
    } catch (error) {
      throw new PathLensError(
        'invalid_config',
        `Cannot read report templates from ${directory}; set REPORT_TEMPLATES_DIR to a folder of *.json templates.`,
        { directory },
        { cause: error },
      );
    }
    for (const name of names) {
      const file = path.join(directory, name);
      let value: unknown;
      try {
        value = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new PathLensError(
          'invalid_config',
          `Report template ${file} is not valid JSON: ${(error as Error).message}`,
          { file },
        );
      }
      const parsed = reportTemplateSchema.safeParse(value);
      if (!parsed.success) {
        const problems = parsed.error.issues
          .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
          .join('; ');
        throw new PathLensError(
          'invalid_config',
          `Report template ${file} is not valid: ${problems}. See report-templates/README.md.`,
          { file },
        );
      }
      templates.set(parsed.data.id, parsed.data);
    }
  }
  if (!templates.has(fallbackTemplateId))
    throw new PathLensError(
      'invalid_config',
      `No "${fallbackTemplateId}" report template found; it is the fallback for slides of unknown organ.`,
    );
  return templates;
}

/** The requested template, else the one naming the slide's organ, else `general`. */
export function chooseTemplate(
  templates: Map<string, ReportTemplate>,
  requestedId: string | undefined,
  organ: string | null,
): ReportTemplate {
  if (requestedId) {
    const template = templates.get(requestedId);
    if (!template) {
      throw new PathLensError(
        'not_found',
        `No report template "${requestedId}". Templates: ${[...templates.keys()].join(', ')} (GET /v1/report-templates).`,
        { param: 'template_id' },
      );
    }
    return template;
  }
  const lower = organ?.toLowerCase().trim();
  const byOrgan = lower ? [...templates.values()].find((template) => template.organs.includes(lower)) : undefined;
  return byOrgan ?? templates.get(fallbackTemplateId)!;
}

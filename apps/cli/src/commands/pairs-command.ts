import { openAsBlob } from 'node:fs';
import { opendir, realpath, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { Config } from '@pathlens/core';
import { connectApi, expectOk, type ApiClient } from '../api-client.ts';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

interface ImportView {
  id: string;
  status: 'queued' | 'running' | 'finished' | 'failed';
  input: string;
  format: string | null;
  counts: { rows_read: number; imported: number; text_only: number; duplicates: number; rejected: number };
  rate_rows_per_second: number | null;
  progress: { done: number; total: number | null; unit: string; fraction: number | null } | null;
  rejected_by_code: Record<string, number>;
  phi_replacements: Record<string, number>;
  rejected_sample?: { row: number; line?: number; key?: string; file?: string; code: string; reason: string }[];
  failure_reason: string | null;
}

/** `pathlens pairs import <file-or-folder>`: import image–caption pairs with a progress bar and a rejected-rows report.
 *
 */
export function pairsCommand(program: Command): void {
  const pairs = program.command('pairs').description('The image–caption library');
  addConfigOptions(
    pairs
      .command('import <file-or-folder>')
      .description(
        'Import pairs from CSV/TSV, JSONL, JSON (PathVQA rows, ARCH captions), id<TAB>caption lines, or a folder of images with same-name .txt captions',
      )
      .option('--format <format>', 'csv | tsv | jsonl | json | id-caption | folder (default: detected)')
      .option(
        '--images <folder>',
        'where image ids (Image_ID, uuid, id) are looked up (default: images/ beside the file)',
      )
      .option('--text-only', 'import the captions only, ignoring any image fields')
      .option('--source <name>', 'source for rows that name none (default: the file name)')
      .option('--report <file>', 'also write the rejected rows (JSON Lines) to this file')
      .option('--server <url>', 'a running PathLens server (default: HOST:PORT when one answers, else in-process)')
      .option('--no-wait', 'return once queued'),
  ).action(async (target: string, options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    const absolute = await realpath(path.resolve(target));
    const imagesDir = options.images ? await realpath(path.resolve(String(options.images))) : undefined;
    // In-process, this user's own files are fair game: let the import read the file's (and images') folder.
    const localRoots = [path.dirname(absolute), ...(imagesDir ? [path.dirname(imagesDir)] : [])];
    const api = await connectApi(
      { ...config, slideDirs: [...config.slideDirs, ...localRoots] },
      options.server as string | undefined,
    );
    try {
      const byPath =
        api.target === 'in-process' ||
        ((await insideAny(absolute, config.slideDirs)) &&
          (!imagesDir || (await insideAny(imagesDir, config.slideDirs))));
      const response = byPath
        ? await api.fetch('/v1/pairs/import', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              path: absolute,
              format: options.format,
              images_dir: imagesDir,
              source: options.source,
              text_only: Boolean(options.textOnly),
            }),
          })
        : await api.fetch('/v1/pairs/import', { method: 'POST', body: await uploadForm(absolute, imagesDir, options) });
      let job = (await (await expectOk(response)).json()) as ImportView;
      console.log(`import ${job.id} queued: ${job.input} via ${api.target}${byPath ? '' : ' (uploaded)'}`);
      if (options.wait === false) {
        if (api.target === 'in-process')
          console.log(
            'note: with no server running, the import resumes when `pathlens serve` next starts on this data directory',
          );
        return;
      }
      job = await waitForImport(api, job.id);
      printSummary(job, reportLocation(api, config, job.id));
      if (options.report) {
        const report = await (await expectOk(await api.fetch(`/v1/pairs/imports/${job.id}/rejected`))).text();
        await writeFile(String(options.report), report);
        console.log(`rejected rows written to ${options.report}`);
      }
      console.log(
        JSON.stringify({
          id: job.id,
          status: job.status,
          format: job.format,
          ...job.counts,
          rate_rows_per_second: job.rate_rows_per_second,
          failure_reason: job.failure_reason,
        }),
      );
      if (job.status === 'failed') process.exitCode = 1;
    } finally {
      await api.close();
    }
  });
}

async function insideAny(filePath: string, directories: string[]): Promise<boolean> {
  const roots = await Promise.all(directories.map((directory) => realpath(directory).catch(() => null)));
  return roots.some((root) => root !== null && filePath.startsWith(root + path.sep));
}

/** A multipart upload: the file as `file` (or a folder's images and captions as `images`), plus the images folder's
 * files.
 */
async function uploadForm(
  target: string,
  imagesDir: string | undefined,
  options: Record<string, unknown>,
): Promise<FormData> {
  const form = new FormData();
  if ((await stat(target)).isDirectory()) {
    for await (const file of filesUnder(target))
      form.append('images', await openAsBlob(file), path.relative(target, file));
  } else {
    form.append('file', await openAsBlob(target), path.basename(target));
    if (imagesDir)
      for await (const file of filesUnder(imagesDir))
        form.append('images', await openAsBlob(file), path.relative(imagesDir, file));
  }
  if (options.format) form.append('format', String(options.format));
  if (options.source) form.append('source', String(options.source));
  if (options.textOnly) form.append('text_only', 'true');
  return form;
}

async function* filesUnder(directory: string): AsyncGenerator<string> {
  for await (const entry of await opendir(directory)) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else if (entry.isFile()) yield full;
  }
}

async function waitForImport(api: ApiClient, id: string): Promise<ImportView> {
  const bar = new SingleBar({
    format:
      'importing [{bar}] {percentage}% | {rows} rows | {imported} imported | {duplicates} duplicates | {rejected} rejected | {rate} rows/s',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 5_000,
  });
  bar.start(1000, 0, { rows: 0, imported: 0, duplicates: 0, rejected: 0, rate: '…' });
  try {
    for (;;) {
      const job = (await (await expectOk(await api.fetch(`/v1/pairs/imports/${id}`))).json()) as ImportView;
      const { counts } = job;
      const fraction = job.status === 'finished' ? 1 : (job.progress?.fraction ?? 0);
      bar.update(Math.round(fraction * 1000), {
        rows: counts.rows_read,
        imported: counts.imported,
        duplicates: counts.duplicates,
        rejected: counts.rejected,
        rate: job.rate_rows_per_second ?? '…',
      });
      if (job.status === 'finished' || job.status === 'failed') return job;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    bar.stop();
  }
}

function reportLocation(api: ApiClient, config: Config, id: string): string {
  return api.target === 'in-process'
    ? path.join(config.dataDir, 'pair-imports', id, 'rejected.jsonl')
    : `${api.target}/v1/pairs/imports/${id}/rejected`;
}

function printSummary(job: ImportView, report: string): void {
  const { counts } = job;
  if (job.status === 'failed') console.log(`import failed: ${job.failure_reason}`);
  console.log(
    `${job.status}: ${counts.imported} imported (${counts.text_only} text-only), ${counts.duplicates} duplicates, ${counts.rejected} rejected of ${counts.rows_read} rows (${job.format ?? '?'}; ${job.rate_rows_per_second ?? '?'} rows/s)`,
  );
  const phi = Object.entries(job.phi_replacements).filter(([, count]) => count > 0);
  if (phi.length > 0) console.log(`PHI replaced: ${phi.map(([kind, count]) => `${count} ${kind}`).join(', ')}`);
  if (counts.rejected > 0) {
    console.log(
      `rejected by reason: ${Object.entries(job.rejected_by_code)
        .map(([code, count]) => `${code} ${count}`)
        .join(', ')}`,
    );
    for (const row of job.rejected_sample?.slice(0, 10) ?? []) {
      const where = [
        `row ${row.row}`,
        row.line !== undefined ? `line ${row.line}` : null,
        row.key !== undefined ? `key ${row.key}` : null,
        row.file ?? null,
      ]
        .filter(Boolean)
        .join(', ');
      console.log(`  ${where}: ${row.code}: ${row.reason}`);
    }
    if (counts.rejected > 10) console.log(`  … ${counts.rejected - 10} more`);
    console.log(`rejected-rows report: ${report}`);
  }
}

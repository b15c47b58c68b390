import { openAsBlob } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { connectApi, expectOk, type ApiClient } from '../api-client.ts';
import { addConfigOptions, configFromOptions } from '../config-options.ts';
import { printSlideOutcome, waitForSlide, type SlideView } from './slide-progress.ts';

export function ingestCommand(program: Command): void {
  addConfigOptions(
    addRegistrationOptions(program.command('ingest <file>'))
      .description('Ingest a slide or image: tile, skip background, embed, store; shows progress until ready')
      .option(
        '--force',
        'ingest again a file already ingested (with these options); `pathlens reingest <id>` does it by id',
      ),
  ).action(async (file: string, options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    const api = await connectApi(config, options.server as string | undefined);
    try {
      const absolute = await realpath(path.resolve(file));
      const inSlideDirs = await Promise.all(
        config.slideDirs.map((directory) =>
          realpath(directory).then(
            (root) => absolute.startsWith(root + path.sep),
            () => false,
          ),
        ),
      );
      const metadata = slideMetadataFromOptions(options);
      let response: Response;
      if (inSlideDirs.some(Boolean)) {
        const request = {
          path: absolute,
          name: options.name,
          force: Boolean(options.force),
          mpp: options.mpp,
          tile_at_level0: options.tileLevel0 ? true : undefined,
          metadata,
        };
        response = await api.fetch('/v1/slides', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request),
        });
      } else {
        const form = new FormData();
        form.append('file', await openAsBlob(absolute), path.basename(absolute));
        if (options.name) form.append('name', String(options.name));
        if (options.force) form.append('force', 'true');
        if (options.mpp !== undefined) form.append('mpp', String(options.mpp));
        if (options.tileLevel0) form.append('tile_at_level0', 'true');
        if (metadata) form.append('metadata', JSON.stringify(metadata));
        response = await api.fetch('/v1/slides', { method: 'POST', body: form });
      }
      await reportRegistration(api, response, options.wait !== false);
    } finally {
      await api.close();
    }
  });
}

/** The flags every way of ingesting takes: where the server is, the slide's name, resolution and facts. */
export function addRegistrationOptions(command: Command): Command {
  return command
    .option('--server <url>', 'a running PathLens server (default: HOST:PORT when one answers, else in-process)')
    .option('--name <name>', 'display name')
    .option('--mpp <micrometres>', 'level-0 µm/px, for a slide without one (or to override it)', parsePositiveNumber)
    .option('--tile-level0', 'tile at full resolution without a physical scale (a slide without MPP)')
    .option('--organ <organ>', 'organ or site, stored with the slide')
    .option('--stain <stain>', 'stain (H&E, IHC marker, …), stored with the slide')
    .option('--meta <key=value>', 'any other fact to store with the slide (repeatable)', collectMetadata, {})
    .option('--no-wait', 'return once queued');
}

/** Prints what a registration did, follows the slide until it is ready (unless told not to), prints the result. */
export async function reportRegistration(api: ApiClient, response: Response, wait: boolean): Promise<void> {
  let slide = (await (await expectOk(response)).json()) as SlideView & { duplicate: boolean };
  console.log(`${slide.duplicate ? 'already ingested' : 'queued'}: ${slide.name} (${slide.id}) via ${api.target}`);
  if (wait) slide = { ...(await waitForSlide(api, slide.id)), duplicate: slide.duplicate };
  printSlideOutcome(slide);
}

export function parsePositiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new InvalidArgumentError('give a positive number of µm per pixel, e.g. 0.25');
  return number;
}

function collectMetadata(value: string, previous: Record<string, string>): Record<string, string> {
  const separator = value.indexOf('=');
  if (separator <= 0) throw new InvalidArgumentError('give key=value, e.g. --meta block=A3');
  return { ...previous, [value.slice(0, separator).trim()]: value.slice(separator + 1).trim() };
}

/** --organ, --stain and --meta key=value as one metadata object; undefined when none is given. */
export function slideMetadataFromOptions(options: Record<string, unknown>): Record<string, string> | undefined {
  const metadata: Record<string, string> = { ...(options.meta as Record<string, string> | undefined) };
  if (typeof options.organ === 'string') metadata.organ = options.organ;
  if (typeof options.stain === 'string') metadata.stain = options.stain;
  return Object.keys(metadata).length > 0 ? metadata : undefined;
}

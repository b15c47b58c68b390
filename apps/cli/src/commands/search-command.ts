import { openAsBlob } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { connectApi, expectOk, type ApiClient } from '../api-client.ts';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

interface SearchResult {
  direction: string;
  next_offset: number | null;
  data: Record<string, unknown>[];
}

/**
 * `pathlens search`: every search direction the API has.
 *   search "<text>"                         text → image (patches and library images)
 *   search "<text>" --captions              text → caption
 *   search --pair <id> --captions           caption → caption
 *   search --image <file> | --pair <id> | --patch <id>   image → text (`--target images`: image → image)
 *   search --similar-slides <slide-id>      slide → slide
 */
export function searchCommand(program: Command): void {
  addConfigOptions(
    program
      .command('search [query]')
      .description(
        'Search by text, image, library pair, patch or slide: text→image, text/caption→caption, image→text, image→image, slide→slide',
      )
      .option('-k, --k <count>', 'results per page (at most 100)', '10')
      .option('--offset <count>', 'skip this many results (the next page)', '0')
      .option('--captions', 'match captions instead of images (text → caption; with --pair, caption → caption)')
      .option('--image <file>', 'query by an image file (image → text; --target images for image → image)')
      .option('--pair <id>', 'query by a library pair (its image, or its caption with --captions)')
      .option('--patch <id>', 'query by a stored slide patch')
      .option('--similar-slides <slide-id>', 'slides most like this slide')
      .option('--target <target>', 'for image queries: captions | images', 'captions')
      .option('--kind <kind>', 'for image results: all | patch | pair', 'all')
      .option('--slide <id>', 'only patches of this slide')
      .option('--source <source>', 'only this source')
      .option('--organ <organ>', 'only this organ')
      .option('--stain <stain>', 'only this stain')
      .option('--meta <key=value>', 'only this metadata value (repeatable)', collectMetadata, {})
      .option('--exact', 'score every row exactly instead of using the approximate index')
      .option('--rerank', 'fetch extra approximate candidates and re-score them exactly')
      .option('--json', 'print JSON')
      .option('--server <url>', 'a running PathLens server'),
  ).action(async (query: string | undefined, options: Record<string, unknown>) => {
    const api = await connectApi(configFromOptions(options), options.server as string | undefined);
    try {
      const result = (await (await expectOk(await sendSearch(api, query, options))).json()) as SearchResult;
      if (options.json) return console.log(JSON.stringify(result, null, 2));
      for (const item of result.data)
        console.log(
          `${String(item.rank).padStart(3)}  ${Number(item.score).toFixed(3)}  ${String(item.kind).padEnd(5)}  ${describeHit(item)}`,
        );
      if (result.data.length === 0)
        console.log('no matches (ingest a slide or add pairs first, or loosen the filters)');
      else if (result.next_offset !== null) console.log(`more: --offset ${result.next_offset}`);
    } finally {
      await api.close();
    }
  });
}

async function sendSearch(
  api: ApiClient,
  query: string | undefined,
  options: Record<string, unknown>,
): Promise<Response> {
  const common: Record<string, string> = { k: String(options.k), offset: String(options.offset) };
  for (const key of ['source', 'organ', 'stain'] as const) if (options[key]) common[key] = String(options[key]);
  for (const [key, value] of Object.entries(options.meta as Record<string, string>)) common[`metadata.${key}`] = value;
  if (options.exact) common.exact = 'true';
  if (options.rerank) common.rerank = 'true';
  const imageFields = {
    ...common,
    target: String(options.target),
    kind: String(options.kind),
    ...(options.slide ? { slide_id: String(options.slide) } : {}),
  };
  const given = [query, options.image, options.pair, options.patch, options.similarSlides].filter(
    (value) => value !== undefined,
  );
  if (given.length !== 1)
    throw new Error(
      'Give one query: a text, --image <file>, --pair <id>, --patch <id> or --similar-slides <slide-id>.',
    );

  if (options.similarSlides)
    return api.fetch(
      `/v1/search/similar-slides?${new URLSearchParams({ ...common, slide_id: String(options.similarSlides) })}`,
    );
  if (options.captions && (query !== undefined || options.pair)) {
    return api.fetch(
      `/v1/search/captions?${new URLSearchParams({ ...common, ...(query !== undefined ? { q: query } : { pair_id: String(options.pair) }) })}`,
    );
  }
  if (query !== undefined)
    return api.fetch(
      `/v1/search?${new URLSearchParams({ ...common, q: query, kind: String(options.kind), ...(options.slide ? { slide_id: String(options.slide) } : {}) })}`,
    );
  if (options.image) {
    const form = new FormData();
    form.append('image', await openAsBlob(path.resolve(String(options.image))), path.basename(String(options.image)));
    for (const [key, value] of Object.entries(imageFields)) form.append(key, value);
    return api.fetch('/v1/search/image', { method: 'POST', body: form });
  }
  const reference = options.pair ? { pair_id: String(options.pair) } : { patch_id: String(options.patch) };
  return api.fetch(`/v1/search/image?${new URLSearchParams(imageFields)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(reference),
  });
}

function describeHit(item: Record<string, unknown>): string {
  if (item.kind === 'patch')
    return `${item.slide_name} at (${item.x_level0}, ${item.y_level0}) level 0  [patch ${item.id}]`;
  if (item.kind === 'slide') return `${item.name}  [slide ${item.id}]`;
  return `"${item.caption}"${item.has_image === false ? ' (caption only)' : ''}  [pair ${item.id}]`;
}

function collectMetadata(value: string, previous: Record<string, string>): Record<string, string> {
  const separator = value.indexOf('=');
  if (separator < 1) throw new InvalidArgumentError('use key=value, e.g. --meta scanner=GT450');
  return { ...previous, [value.slice(0, separator)]: value.slice(separator + 1) };
}

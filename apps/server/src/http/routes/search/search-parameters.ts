import { z } from 'zod';
import { plainText } from '../../plain-text.ts';
import { PathLensError } from '@pathlens/core';
import { maxSearchOffset, maxSearchResults } from '@pathlens/retrieval';
import type { MetadataFilters, VectorSearchMode } from '@pathlens/store';

/** `true`/`false` as JSON booleans or as query-string / form text. */
export const flag = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1'),
]);

/** Query text: the same limits for search, captions and heatmaps. */
export const queryText = plainText()
  .trim()
  .min(1, 'the query text is empty; say what to look for, e.g. "purple nuclei"')
  .max(2_000, 'the query is longer than 2,000 characters; shorten it (the encoder reads about 77 tokens anyway)');

const filterText = plainText().trim().min(1).max(200);

/** Paging, filters and scoring mode: fields every search accepts (query string, form or JSON). */
export const searchOptionFields = {
  k: z.coerce
    .number()
    .int()
    .min(1, 'k must be at least 1')
    .max(maxSearchResults, `k can be at most ${maxSearchResults}; page through more with offset`)
    .default(10),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(
      maxSearchOffset,
      `offset can be at most ${maxSearchOffset} (results beyond the first 1,000 are not reachable); narrow the search with filters instead`,
    )
    .default(0),
  source: filterText.optional(),
  organ: filterText.optional(),
  stain: filterText.optional(),
  /** Any other metadata key → value (JSON); in a query string, `metadata.<key>=<value>`. */
  metadata: z.record(plainText().min(1).max(100), plainText().max(200)).optional(),
  exact: flag.default(false),
  rerank: flag.default(false),
};

export const searchOptions = z.object(searchOptionFields);
export type SearchOptions = z.output<typeof searchOptions>;

/** The scoring mode asked for: `exact=true` (every row scored) or `rerank=true` (HNSW candidates re-scored), not both.
 *
 */
export function searchMode(options: SearchOptions): VectorSearchMode {
  if (options.exact && options.rerank)
    throw new PathLensError(
      'invalid_request',
      'Choose exact=true (score every row) or rerank=true (re-score approximate candidates), not both.',
      { param: 'exact' },
    );
  return options.exact ? 'exact' : options.rerank ? 'rerank' : 'approximate';
}

export function searchFilters(options: SearchOptions): MetadataFilters | undefined {
  const filters = { source: options.source, organ: options.organ, stain: options.stain, metadata: options.metadata };
  return Object.values(filters).some((value) => value !== undefined) ? filters : undefined;
}

/** A query string as an object, with `metadata.<key>=<value>` pairs gathered into `metadata`. */
export function queryParameters(parameters: Record<string, string>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (key.startsWith('metadata.')) metadata[key.slice('metadata.'.length)] = value;
    else result[key] = value;
  }
  if (Object.keys(metadata).length > 0) result.metadata = metadata;
  return result;
}

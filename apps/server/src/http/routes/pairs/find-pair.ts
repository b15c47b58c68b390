import { z } from 'zod';
import { PathLensError } from '@pathlens/core';
import type { Store, StoredPair } from '@pathlens/store';

const pairIdParameter = z.string().uuid();

/** The library pair with this id; `not_found` (404) for an unknown or malformed id. */
export async function findPair(store: Store, id: string): Promise<StoredPair> {
  const pair = pairIdParameter.safeParse(id).success ? await store.pairs.findById(id) : undefined;
  if (!pair)
    throw new PathLensError('not_found', `No library pair with id ${id}; search the library with POST /v1/search.`, {
      param: 'id',
    });
  return pair;
}

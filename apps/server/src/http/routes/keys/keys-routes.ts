import { Hono } from 'hono';
import { z } from 'zod';
import { PathLensError } from '@pathlens/core';
import { apiKeyView, createApiKey } from '../../../auth/api-keys.ts';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseJson, parseValue } from '../../parse-request.ts';

const keyRequest = z.object({ name: z.string().min(1).max(100), role: z.string().min(1).max(40) });
const keyId = z.string().uuid({ error: 'must be a key id (a uuid) from GET /v1/keys' });

/**
 * API keys (admin): `POST /v1/keys` `{ name, role }` → 201 with the key text, shown this once;
 * `GET /v1/keys` lists them (never a secret); `DELETE /v1/keys/:id` revokes one.
 */
export function keysRoutes() {
  return new Hono<AppEnvironment>()
    .post('/v1/keys', async (context) => {
      const request = await parseJson(context, keyRequest);
      const { key, row } = await createApiKey(context.get('runtime').store, request);
      return context.json({ ...apiKeyView(row), key }, 201);
    })
    .get('/v1/keys', async (context) => {
      const rows = await context.get('runtime').store.apiKeys.list();
      return context.json({ object: 'list', data: rows.map(apiKeyView) });
    })
    .delete('/v1/keys/:id', async (context) => {
      const id = parseValue(keyId, context.req.param('id'), 'key id');
      const row = await context.get('runtime').store.apiKeys.revoke(id);
      if (!row)
        throw new PathLensError('not_found', `No API key ${id}; list them with GET /v1/keys (pathlens keys list).`);
      return context.json(apiKeyView(row));
    });
}

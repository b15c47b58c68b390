import type { Command } from 'commander';
import type { Config } from '@pathlens/core';
import { apiKeyView, createApiKey, type ApiKeyView } from '@pathlens/server';
import { apiKeyRoles, openStore } from '@pathlens/store';
import { expectOk, runningServer } from '../api-client.ts';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

/** Key administration: through a running server (API_KEY must be an admin key once keys exist), or on the database
 * directly.
 */
interface KeyAdministration {
  create(name: string, role: string): Promise<ApiKeyView & { key: string }>;
  list(): Promise<ApiKeyView[]>;
  revoke(id: string): Promise<ApiKeyView>;
  close(): Promise<void>;
}

async function keyAdministration(config: Config): Promise<KeyAdministration> {
  const server = await runningServer(config);
  if (server) {
    const call = async <T = unknown>(path: string, init?: RequestInit): Promise<T> =>
      (await expectOk(await server.fetch(path, init))).json() as Promise<T>;
    return {
      create: (name, role) =>
        call('/v1/keys', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name, role }),
        }),
      list: async () => ((await call('/v1/keys')) as { data: ApiKeyView[] }).data,
      revoke: (id) => call(`/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
      close: async () => {},
    };
  }
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  return {
    async create(name, role) {
      const { key, row } = await createApiKey(store, { name, role });
      return { ...apiKeyView(row), key };
    },
    list: async () => (await store.apiKeys.list()).map(apiKeyView),
    async revoke(id) {
      const row = /^[0-9a-f-]{36}$/i.test(id) ? await store.apiKeys.revoke(id) : undefined;
      if (!row) throw new Error(`No API key ${id}; see \`pathlens keys list\`.`);
      return apiKeyView(row);
    },
    close: () => store.close(),
  };
}

async function withKeys<T>(
  options: Record<string, unknown>,
  work: (keys: KeyAdministration) => Promise<T>,
): Promise<T> {
  const keys = await keyAdministration(configFromOptions(options));
  try {
    return await work(keys);
  } finally {
    await keys.close();
  }
}

export function keysCommand(program: Command): void {
  const keys = program
    .command('keys')
    .description('Create, list and revoke API keys (stored hashed; a key is shown once)');

  addConfigOptions(keys.command('create').description('Create an API key and print it (once)'))
    .requiredOption('--role <role>', `one of ${apiKeyRoles.join(', ')}`)
    .requiredOption('--name <name>', 'who or what uses the key (shown in the audit trail)')
    .action((options: Record<string, unknown>) =>
      withKeys(options, async (administration) => {
        const created = await administration.create(String(options.name), String(options.role));
        console.log(
          `Created ${created.role} key "${created.name}" (id ${created.id}). It is shown only now; keep it secret:`,
        );
        console.log(created.key);
      }),
    );

  addConfigOptions(keys.command('list').description('List API keys (never their secrets)')).action(
    (options: Record<string, unknown>) =>
      withKeys(options, async (administration) => {
        for (const key of await administration.list()) {
          console.log(
            `${key.id}  ${key.role.padEnd(9)}  ${key.created_at}  ${key.revoked_at ? `revoked ${key.revoked_at}` : 'active'}  ${key.name}`,
          );
        }
      }),
  );

  addConfigOptions(keys.command('revoke <id>').description('Revoke an API key by id')).action(
    (id: string, options: Record<string, unknown>) =>
      withKeys(options, async (administration) => {
        const revoked = await administration.revoke(id);
        console.log(`Revoked key "${revoked.name}" (id ${revoked.id}) at ${revoked.revoked_at}.`);
      }),
  );
}

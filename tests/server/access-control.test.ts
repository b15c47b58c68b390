import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, silentLogger } from '@pathlens/core';
import { accessSettings, createApp, matchRoute, routeRoles, startServer, type PathLensApp } from '@pathlens/server';
import { apiKeyRoles, type ApiKeyRole } from '@pathlens/store';
import { projectRoot } from '../helpers/shared-data.ts';
import { startTestServer } from '../helpers/test-server.ts';

const run = promisify(execFile);
const json = { 'content-type': 'application/json' };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A concrete path for a route pattern: ids are random uuids that match nothing. */
function concretePath(pattern: string): string {
  const values: Record<string, string> = { ':level': '0', ':tile': '0_0.jpeg', ':file': 'thumbnail' };
  return pattern.replace(/:[a-z]+/g, (name) => values[name] ?? '7d0c5a9e-0000-4000-8000-000000000000');
}

describe('API keys, roles, cross-site and Host checks', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let app: PathLensApp;
  const keys = {} as Record<ApiKeyRole, { key: string; id: string }>;
  const appWith = (access: Partial<ReturnType<typeof accessSettings>>) =>
    createApp(test.server.holder, {
      logger: silentLogger,
      maxUploadBytes: 1 << 20,
      access: { ...accessSettings(test.config), ...access },
    });

  beforeAll(async () => {
    test = await startTestServer();
    app = appWith({});
  });
  afterAll(async () => test?.dispose());

  it('needs no key on loopback until one exists; then every /v1 call needs one', async () => {
    expect((await app.request('/v1/models')).status).toBe(200);
    // OpenAI clients always send some key: not one of ours, so it is ignored while keys are not required.
    expect((await app.request('/v1/models', { headers: bearer('sk-anything') })).status).toBe(200);
    for (const role of apiKeyRoles) {
      // The first key (admin) is made without one; from then on keys are required.
      const headers = keys.admin ? { ...json, ...bearer(keys.admin.key) } : json;
      const response = await app.request('/v1/keys', {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: `${role} key`, role }),
      });
      expect(response.status).toBe(201);
      const created = (await response.json()) as { key: string; id: string; role: string };
      expect(created.key).toMatch(/^plk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
      keys[role] = created;
    }
    const anonymous = await app.request('/v1/models');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect(((await anonymous.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/pathlens keys create/),
    });
    const forged = `${keys.admin.key.slice(0, -4)}AAAA`;
    expect((await app.request('/v1/models', { headers: bearer(forged) })).status).toBe(401);
    // Listed without secrets or hashes.
    const listed = (await (await app.request('/v1/keys', { headers: bearer(keys.admin.key) })).json()) as {
      data: Record<string, unknown>[];
    };
    expect(listed.data).toHaveLength(4);
    expect(JSON.stringify(listed.data)).not.toMatch(/secret|hash|plk_/);
    const rows = await test.server.holder.runtime!.store.apiKeys.list();
    expect(rows.every((row) => !keys[row.role].key.includes(row.secretHash))).toBe(true);
  });

  it('gives each role exactly its routes, by the one route table, and every route is in it', async () => {
    const routes = app.routes.filter((route) => route.method !== 'ALL' && route.path.startsWith('/v1/'));
    expect(routes.length).toBeGreaterThan(30);
    const missing = routes
      .map((route) => `${route.method} ${route.path}`)
      .filter((key) => matchRoute(key.split(' ')[0]!, concretePath(key.split(' ')[1]!)) !== key);
    expect(missing).toEqual([]);
    const outcomes: string[] = [];
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      for (const role of apiKeyRoles) {
        const init: RequestInit = {
          method: route.method,
          headers: { ...bearer(keys[role].key), ...(route.method === 'POST' ? json : {}) },
        };
        if (route.method === 'POST') init.body = key === 'POST /v1/keys' ? '{"name":""}' : '{}';
        const response = await app.request(concretePath(route.path), init);
        const code =
          response.status >= 400 ? ((await response.json()) as { error: { code: string } }).error.code : 'ok';
        const allowed = routeRoles[key]!.includes(role);
        const refused = code === 'forbidden' || code === 'unauthorized';
        if (allowed === refused) outcomes.push(`${role} ${key}: ${response.status} ${code}`);
      }
    }
    expect(outcomes).toEqual([]);
    // Admin may do everything; the others are kept apart.
    expect(routes.every((route) => routeRoles[`${route.method} ${route.path}`]!.includes('admin'))).toBe(true);
    expect(routeRoles['POST /v1/chat/completions']).not.toContain('educator');
    expect(routeRoles['GET /v1/audit']).toEqual(['admin']);
  });

  it('names the key in audit rows, refuses revoked keys, and rate-limits expensive routes per key', async () => {
    const chat = await app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { ...json, ...bearer(keys.clinician.key) },
      body: JSON.stringify({ messages: [] }),
    });
    expect(chat.status).toBe(400);
    const audit = (await (await app.request('/v1/audit?limit=1', { headers: bearer(keys.admin.key) })).json()) as {
      data: { actor: string }[];
    };
    expect(audit.data[0]!.actor).toBe(`key:clinician key (${keys.clinician.id})`);
    expect(audit.data[0]!.actor).not.toContain('plk_');

    const limited = appWith({ rateLimitPerMinute: 2 });
    const report = () =>
      limited.request('/v1/reports', { method: 'POST', headers: { ...json, ...bearer(keys.service.key) }, body: '{}' });
    expect((await report()).status).toBe(400);
    expect((await report()).status).toBe(400);
    const third = await report();
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    // Another key has its own budget; cheap routes are not limited.
    expect(
      (
        await limited.request('/v1/reports', {
          method: 'POST',
          headers: { ...json, ...bearer(keys.admin.key) },
          body: '{}',
        })
      ).status,
    ).toBe(400);
    expect((await limited.request('/v1/models', { headers: bearer(keys.service.key) })).status).toBe(200);

    const revoked = await app.request(`/v1/keys/${keys.educator.id}`, {
      method: 'DELETE',
      headers: bearer(keys.admin.key),
    });
    expect(((await revoked.json()) as { revoked_at: string | null }).revoked_at).not.toBeNull();
    expect((await app.request('/v1/models', { headers: bearer(keys.educator.key) })).status).toBe(401);
  });

  it('refuses cross-site posts, foreign preflights and unknown Host names; sends security headers', async () => {
    const before = (await test.server.holder.runtime!.store.slides.list(100)).length;
    const headers = { ...bearer(keys.clinician.key), 'content-type': 'text/plain' };
    const body = JSON.stringify({ path: '/etc/passwd' });
    const crossSite = await app.request('/v1/slides', {
      method: 'POST',
      headers: { ...headers, origin: 'http://evil.example' },
      body,
    });
    expect(crossSite.status).toBe(403);
    const plain = await app.request('/v1/slides', { method: 'POST', headers, body });
    expect(plain.status).toBe(415);
    expect(((await plain.json()) as { error: { message: string } }).error.message).toMatch(/application\/json/);
    const form = await app.request('/v1/slides', {
      method: 'POST',
      headers: {
        ...bearer(keys.clinician.key),
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://localhost',
      },
      body: 'path=/etc/passwd',
    });
    expect(form.status).toBe(415);
    expect((await test.server.holder.runtime!.store.slides.list(100)).length).toBe(before);

    const preflight = {
      method: 'OPTIONS',
      headers: { origin: 'https://viewer.example.org', 'access-control-request-method': 'POST' },
    };
    expect((await app.request('/v1/slides', preflight)).status).toBe(403);
    const allowing = appWith({ corsOrigins: ['https://viewer.example.org'] });
    const answered = await allowing.request('/v1/slides', preflight);
    expect(answered.status).toBe(204);
    expect(answered.headers.get('access-control-allow-origin')).toBe('https://viewer.example.org');
    expect(answered.headers.get('access-control-allow-headers')).toMatch(/authorization/);

    expect((await app.request('http://rebound.example/v1/models', { headers: bearer(keys.admin.key) })).status).toBe(
      403,
    );
    expect((await app.request('http://10.1.2.3:8080/v1/models', { headers: bearer(keys.admin.key) })).status).toBe(200);
    expect(
      (
        await appWith({ allowedHosts: ['pathlens.example.org'] }).request('http://pathlens.example.org/v1/models', {
          headers: bearer(keys.admin.key),
        })
      ).status,
    ).toBe(200);

    const health = await fetch(`${test.server.url}/healthz`);
    expect(health.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'",
    );
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('starting with keys required', () => {
  let directory: string;
  const configFor = (overrides: Record<string, unknown>) =>
    loadConfig({
      explicit: {
        port: 0,
        dataDir: path.join(directory, 'data'),
        modelsDir: inject('modelsDir'),
        imageTextEncoder: 'pathlens/tiny-clip',
        chatModel: 'pathlens/tiny-chat',
        pullModels: 'false',
        ingestWorkers: 0,
        ...overrides,
      },
      environment: {},
    });
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-keys-'));
  });
  afterAll(async () => rm(directory, { recursive: true, force: true }));

  it('refuses to bind 0.0.0.0 while no key exists, saying how to create one (it never listens)', async () => {
    await expect(startServer(configFor({ host: '0.0.0.0' }), silentLogger)).rejects.toThrow(
      /no API key exists.*pathlens keys create --role admin/s,
    );
  });

  it('creates, lists and revokes keys from the CLI; REQUIRE_API_KEYS=true needs them on loopback too', async () => {
    const flags = ['--data-dir', path.join(directory, 'data'), '--port', '1'];
    const pathlens = (...args: string[]) =>
      run(process.execPath, [path.join(projectRoot, 'apps/cli/bin/pathlens.js'), ...args, ...flags], {
        env: { ...process.env, DATABASE_URL: '' },
        timeout: 120_000,
      });
    const created = await pathlens('keys', 'create', '--role', 'educator', '--name', 'teaching');
    const key = created.stdout.trim().split('\n').at(-1)!;
    expect(key).toMatch(/^plk_/);
    const refused = await pathlens('keys', 'create', '--role', 'root', '--name', 'x').catch(
      (error: { stderr: string }) => error,
    );
    expect((refused as { stderr: string }).stderr).toMatch(/admin, clinician, educator, service/);

    const server = await startServer(configFor({ requireApiKeys: 'true' }), silentLogger);
    try {
      await server.ready;
      expect((await fetch(`${server.url}/v1/label-sets`)).status).toBe(401);
      expect((await fetch(`${server.url}/v1/label-sets`, { headers: bearer(key) })).status).toBe(200);
      expect(
        (
          await fetch(`${server.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { ...json, ...bearer(key) },
            body: '{}',
          })
        ).status,
      ).toBe(403);
    } finally {
      await server.close();
    }
    const list = await pathlens('keys', 'list');
    expect(list.stdout).toMatch(/educator\s+\S+\s+active\s+teaching/);
    expect(list.stdout).not.toContain(key);
    const id = list.stdout.trim().split(/\s+/)[0]!;
    expect((await pathlens('keys', 'revoke', id)).stdout).toMatch(/Revoked key "teaching"/);
    expect((await pathlens('keys', 'list')).stdout).toMatch(/revoked/);
  }, 180_000);
});

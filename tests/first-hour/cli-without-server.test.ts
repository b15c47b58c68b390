import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/shared-data.ts';

const run = promisify(execFile);

describe('issue 11.8: `pathlens label-sets` with no server running', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-label-sets-'));
  });
  afterAll(async () => rm(directory, { recursive: true, force: true }));

  it('lists the label sets from their files: no database, no models loaded, no download tried', async () => {
    const modelsDir = path.join(directory, 'models');
    const dataDir = path.join(directory, 'data');
    // PULL_MODELS=true and an empty models folder: loading models would try the network, then generate demo models
    // there.
    const flags = ['--data-dir', dataDir, '--models-dir', modelsDir, '--pull-models', 'true', '--port', '1'];
    const { stdout } = await run(
      process.execPath,
      [path.join(projectRoot, 'apps/cli/bin/pathlens.js'), 'label-sets', ...flags],
      { cwd: directory, env: { ...process.env, DATABASE_URL: '' }, timeout: 60_000 },
    );
    expect(stdout).toMatch(/^crc-tissue-types\s+shipped/m);
    expect(await readdir(directory)).toEqual([]); // neither a models folder nor a database was made
  });
});

import { execFile } from 'node:child_process';
import { stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/shared-data.ts';
import { manifestPath, readFreshManifest } from '../../apps/cli/bin/command-manifest.js';

const run = promisify(execFile);
const pathlensBin = path.join(projectRoot, 'apps/cli/bin/pathlens.js');

/** stdout, stderr and exit code of `pathlens …`, from the manifest (fast) or with it switched off (full program). */
async function pathlens(args: string[], manifest: 'on' | 'off') {
  const result = await run(process.execPath, [pathlensBin, ...args], {
    env: { ...process.env, PATHLENS_COMMAND_MANIFEST: manifest },
    timeout: 120_000,
  }).then(
    (done) => ({ ...done, code: 0 }),
    (failed: { stdout: string; stderr: string; code: number }) => failed,
  );
  return { stdout: result.stdout, stderr: result.stderr, code: result.code };
}

describe('pathlens help and argument errors from the command manifest', () => {
  beforeAll(async () => {
    // A full start writes the manifest when it is missing or stale.
    await pathlens(['--help'], 'off');
    expect(readFreshManifest()).not.toBeNull();
  }, 180_000);

  it.each([[['--help']], [['ingest']], [['eval', 'retrieval']]])(
    'answers `pathlens %j` exactly as the full program does',
    async (args) => {
      const [fast, full] = await Promise.all([pathlens(args, 'on'), pathlens(args, 'off')]);
      expect(fast).toEqual(full);
      expect(fast.stdout + fast.stderr).toMatch(/Usage: pathlens/);
    },
    120_000,
  );

  it('is not used once a command source changes, and the next full start refreshes it', async () => {
    const source = path.join(projectRoot, 'apps/cli/src/main.ts');
    const { atime } = await stat(source);
    await utimes(source, atime, new Date());
    expect(readFreshManifest()).toBeNull();
    const help = await pathlens(['--help'], 'on');
    expect(help.code).toBe(0);
    expect(readFreshManifest()).not.toBeNull();
    expect((await stat(manifestPath)).mtimeMs).toBeGreaterThan(Date.now() - 120_000);
  }, 180_000);
});

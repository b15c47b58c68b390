import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../helpers/shared-data.ts';

/** True while any process of the process group `groupId` is alive. */
function groupAlive(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch {
    return false;
  }
}

describe('issue 11.8: the npm project as a new user meets it', () => {
  it('npm commands print no "Unknown project config" warning, and install scripts (onnxruntime-node’s CUDA download) are off', () => {
    const result = spawnSync('npm', ['config', 'get', 'ignore-scripts'], { cwd: projectRoot, encoding: 'utf8' });
    expect(result.stderr).not.toMatch(/Unknown (project|user|builtin|env|cli) config/);
    expect(result.stdout.trim()).toBe('true');
  });

  it('every dependency’s declared Node range admits the Node the README states (package.json engines)', async () => {
    const root = JSON.parse(await readFile(path.join(projectRoot, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    const lowest = semver.minVersion(root.engines.node)!.version;
    const lock = JSON.parse(await readFile(path.join(projectRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { engines?: { node?: string } | string[] }>;
    };
    const refusing = Object.entries(lock.packages)
      .filter(
        ([, entry]) =>
          !Array.isArray(entry.engines) && entry.engines?.node && !semver.satisfies(lowest, entry.engines.node),
      )
      .map(([name, entry]) => `${name} (${(entry.engines as { node: string }).node})`);
    expect(refusing).toEqual([]);
    const readme = await readFile(path.join(projectRoot, 'README.md'), 'utf8');
    expect(readme).toContain(`Node.js ${semver.major(lowest)}`);
  });

  it('`npm start` stopped with SIGTERM stops the whole process tree', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-npm-start-'));
    const environment = {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      MODELS_DIR: inject('modelsDir'),
      PULL_MODELS: 'false',
      IMAGE_TEXT_ENCODER: 'pathlens/tiny-clip',
      CHAT_MODEL: 'pathlens/tiny-chat',
      LOG_LEVEL: 'info',
    };
    // Its own process group: afterwards, no process of the group may be left.
    const npm = spawn('npm', ['start'], {
      cwd: projectRoot,
      env: environment,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 120_000;
      while (!/\bready\b/.test(output)) {
        if (Date.now() > deadline || npm.exitCode !== null) throw new Error(`the server did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      npm.kill('SIGTERM'); // npm itself, as a service manager or a terminal would
      await exited;
      const stopDeadline = Date.now() + 20_000;
      while (groupAlive(npm.pid!) && Date.now() < stopDeadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(groupAlive(npm.pid!), output).toBe(false);
    } finally {
      if (groupAlive(npm.pid!)) process.kill(-npm.pid!, 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

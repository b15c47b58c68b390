import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, PathLensError } from '@pathlens/core';

describe('loadConfig', () => {
  it('has sane defaults, with paths resolved against the working directory', () => {
    const config = loadConfig({ environment: {}, cwd: '/srv/pathlens' });
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: '/srv/pathlens/data', modelsDir: '/srv/pathlens/models', slideDirs: [], pullModels: true });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('lets flags beat environment variables beat defaults', () => {
    const environment = { PORT: '9000', DATA_DIR: '/var/pathlens', SLIDE_DIRS: '/a, /b ,', DATABASE_URL: 'postgres://u:p@db/pathlens' };
    const config = loadConfig({ environment, explicit: { port: 7000 }, cwd: '/' });
    expect(config.port).toBe(7000);
    expect(config.dataDir).toBe(path.resolve('/var/pathlens'));
    expect(config.slideDirs).toEqual(['/a', '/b']);
    expect(config.databaseUrl).toBe('postgres://u:p@db/pathlens');
  });

  it('names the variable and what it should be when a value is wrong', () => {
    const attempt = () => loadConfig({ environment: { PORT: 'eighty', DATABASE_URL: 'mysql://x' } });
    expect(attempt).toThrow(PathLensError);
    try {
      attempt();
    } catch (error) {
      expect((error as PathLensError).code).toBe('invalid_config');
      expect((error as Error).message).toContain('PORT (--port)');
      expect((error as Error).message).toContain('DATABASE_URL (--database-url): must start with postgres://');
    }
  });
});

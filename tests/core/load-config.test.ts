import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig, PathLensError } from '@pathlens/core';

describe('loadConfig', () => {
  it('has sane defaults, with paths resolved against the working directory', () => {
    const config = loadConfig({ environment: {}, cwd: '/srv/pathlens' });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/srv/pathlens/data',
      modelsDir: '/srv/pathlens/models',
      slideDirs: [],
      pullModels: true,
    });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('lets flags beat environment variables beat defaults', () => {
    const environment = {
      PORT: '9000',
      DATA_DIR: '/var/pathlens',
      SLIDE_DIRS: '/a, /b ,',
      DATABASE_URL: 'postgres://u:p@db/pathlens',
    };
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

describe('DICOMweb settings', () => {
  it('parses named endpoints and credentials, and never shows a credential', () => {
    const config = loadConfig({
      environment: {
        DICOMWEB_ENDPOINTS: 'pacs=http://127.0.0.1:8042/dicom-web/, archive=https://vna.example.org/dicomweb',
        DICOMWEB_CREDENTIALS: 'pacs=basic:reader:s3cret,archive=bearer:tok-123',
      },
    });
    expect(config.dicomwebEndpoints).toEqual([
      { name: 'pacs', url: 'http://127.0.0.1:8042/dicom-web' },
      { name: 'archive', url: 'https://vna.example.org/dicomweb' },
    ]);
    expect(config.dicomwebCredentials.pacs!.headerValue()).toBe(
      `Basic ${Buffer.from('reader:s3cret').toString('base64')}`,
    );
    expect(config.dicomwebCredentials.archive!.headerValue()).toBe('Bearer tok-123');
    const shown = [JSON.stringify(config), inspect(config, { depth: 5 }), String(config.dicomwebCredentials.pacs)].join(
      '\n',
    );
    expect(shown).not.toMatch(/s3cret|tok-123|cmVhZGVy/);
    expect(config).toMatchObject({ dicomwebTimeoutSeconds: 30, dicomwebConcurrency: 6, dicomwebRetries: 3 });
  });

  it('says how to write an endpoint or a credential, without echoing the secret', () => {
    const failure = (environment: Record<string, string>) => {
      try {
        loadConfig({ environment });
      } catch (error) {
        return error as PathLensError;
      }
      throw new Error('expected a configuration error');
    };
    expect(failure({ DICOMWEB_ENDPOINTS: 'pacs=ftp://host/dicom-web' }).message).toMatch(
      /DICOMWEB_ENDPOINTS .*pacs: "ftp:\/\/host\/dicom-web" is not an http\(s\) DICOMweb root/,
    );
    expect(failure({ DICOMWEB_ENDPOINTS: 'pacs=http://user:pw@host/dicom-web' }).message).toMatch(
      /without credentials \(put those in DICOMWEB_CREDENTIALS\)/,
    );
    expect(failure({ DICOMWEB_ENDPOINTS: 'My PACS=http://host/dicom-web' }).message).toMatch(/not an endpoint name/);
    const credential = failure({ DICOMWEB_CREDENTIALS: 'pacs=password-without-kind' });
    expect(credential.message).toMatch(
      /DICOMWEB_CREDENTIALS .*must be bearer:<token> or basic:<user>:<password>; got \[redacted\]/,
    );
    expect(credential.message).not.toContain('password-without-kind');
  });
});

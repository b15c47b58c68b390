/**
 * Slides from a PACS over DICOMweb, against a real Orthanc (Debian's orthanc + orthanc-dicomweb)
 * started here on a loopback port with basic authentication: the real CMU-1-Small-Region.svs is
 * dicomized with Debian's OrthancWSIDicomizer (a 3-level JPEG pyramid, and a JPEG 2000 copy the
 * reader must refuse), stored in Orthanc, found with QIDO-RS, ingested over WADO-RS through a real
 * PathLens server, and compared with the same SVS ingested from its file.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PathLensError, RedactedCredential } from '@pathlens/core';
import { ClipImageEncoder } from '@pathlens/encoders';
import {
  DicomWebClient,
  dicomWebLocation,
  openSlide,
  searchSlideSeries,
  slideOpener,
  DicomWebServers,
  type SlideReader,
} from '@pathlens/slide-reader';
import { dicomize, freePort, orthancMissing, startOrthanc, type RunningOrthanc } from '../helpers/orthanc-server.ts';
import { projectRoot, sharedDataFile } from '../helpers/shared-data.ts';
import { startTestServer, waitForSlide } from '../helpers/test-server.ts';
import { cosine } from '../helpers/vectors.ts';

const run = promisify(execFile);
const svsPath = sharedDataFile('wsi/CMU-1-Small-Region.svs');
const missing = orthancMissing();
if (missing) console.warn(`[skip] ${missing}: the DICOMweb tests against Orthanc are skipped.`);

interface SeriesUids {
  study_instance_uid: string;
  series_instance_uid: string;
}

describe.skipIf(!svsPath || missing !== null)('slides from a DICOMweb server (a real Orthanc)', () => {
  let orthanc: RunningOrthanc;
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let baseUrl: string;
  let workDirectory: string;
  let svs: { widthPx: number; heightPx: number; mpp: number };
  const series: { jpeg?: SeriesUids; jpeg2000?: SeriesUids } = {};
  let fileSlide: Record<string, any>;
  let webSlide: Record<string, any>;

  beforeAll(async () => {
    workDirectory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-dicomweb-'));
    const reader = await openSlide(svsPath!);
    svs = {
      widthPx: reader.properties.levels[0]!.widthPx,
      heightPx: reader.properties.levels[0]!.heightPx,
      mpp: reader.properties.mppX!,
    };
    await reader.close();

    const setUpStarted = performance.now();
    orthanc = await startOrthanc();
    let started = performance.now();
    await dicomize(svsPath!, path.join(workDirectory, 'jpeg'), { ...svs, levels: 3 });
    const dicomizeMs = performance.now() - started;
    await dicomize(svsPath!, path.join(workDirectory, 'jpeg2000'), { ...svs, levels: 1, compression: 'jpeg2000' });
    started = performance.now();
    await orthanc.storeFolder(path.join(workDirectory, 'jpeg'));
    const storeMs = performance.now() - started;
    await orthanc.storeFolder(path.join(workDirectory, 'jpeg2000'));
    console.log(
      `[orthanc] start ${orthanc.startMs.toFixed(0)} ms, dicomize (JPEG, 3 levels) ${dicomizeMs.toFixed(0)} ms, ` +
        `store ${storeMs.toFixed(0)} ms; ` +
        `set-up with the JPEG 2000 copy ${(performance.now() - setUpStarted).toFixed(0)} ms`,
    );

    const unreachablePort = await freePort();
    test = await startTestServer({
      slideDirs: path.dirname(svsPath!),
      dicomwebEndpoints: [
        `pacs=${orthanc.dicomWebUrl}`,
        `offline=http://127.0.0.1:${unreachablePort}/dicom-web`,
        `wrongkey=${orthanc.dicomWebUrl}`,
        `nokey=${orthanc.dicomWebUrl}`,
      ].join(','),
      dicomwebCredentials: [
        `pacs=basic:${orthanc.username}:${orthanc.password}`,
        `wrongkey=basic:${orthanc.username}:not-the-password`,
      ].join(','),
      dicomwebRetries: 1,
      dicomwebTimeoutSeconds: 10,
    });
    baseUrl = test.server.url;
  });

  afterAll(async () => {
    await test?.dispose();
    await orthanc?.stop();
    if (workDirectory) await rm(workDirectory, { recursive: true, force: true });
  });

  it('lists the configured servers without credentials, and finds both dicomized series with QIDO-RS', async () => {
    const servers = (await (await fetch(`${baseUrl}/v1/dicomweb`)).json()) as any;
    expect(servers.data.map((server: { name: string }) => server.name)).toEqual([
      'pacs',
      'offline',
      'wrongkey',
      'nokey',
    ]);
    expect(JSON.stringify(servers)).not.toContain(orthanc.password);

    const response = await fetch(`${baseUrl}/v1/dicomweb/pacs/series`);
    expect(response.status).toBe(200);
    const found = (await response.json()) as any;
    expect(found.data).toHaveLength(2);
    // Orthanc sends PatientID along with every match: it is dropped, as is every other patient attribute.
    expect(JSON.stringify(found).toLowerCase()).not.toContain('patient');
    const byInstances = [...found.data].sort((left, right) => right.instance_count - left.instance_count);
    expect(byInstances.map((entry) => entry.instance_count)).toEqual([3, 1]);
    series.jpeg = byInstances[0];
    series.jpeg2000 = byInstances[1];

    const oneStudy = (await (
      await fetch(`${baseUrl}/v1/dicomweb/pacs/series?study_instance_uid=${series.jpeg!.study_instance_uid}`)
    ).json()) as any;
    expect(oneStudy.data.map((entry: SeriesUids) => entry.series_instance_uid)).toEqual([
      series.jpeg!.series_instance_uid,
    ]);
  });

  it('reads every level over WADO-RS with the pixels and MPP of the file', async () => {
    const servers = DicomWebServers.fromSettings(test.config);
    const fromServer = await slideOpener(servers)({
      source: 'dicomweb',
      filePath: dicomWebLocation('pacs', series.jpeg!.study_instance_uid, series.jpeg!.series_instance_uid),
    });
    const fromFile = await openSlide(svsPath!);
    try {
      const { properties } = fromServer;
      expect(properties).toMatchObject({ format: 'dicom-wsi', reader: 'dicomweb', files: [] });
      expect(properties.levels.map((level) => [level.widthPx, level.heightPx])).toEqual([
        [2220, 2967],
        [1110, 1484],
        [555, 742],
      ]);
      expect(properties.mppX).toBeCloseTo(svs.mpp, 6);
      expect(properties.mppY).toBeCloseTo(svs.mpp, 6);
      // The dicomizer copies the SVS's JPEG tiles without re-encoding: level 0 is the same pixels.
      for (const [x, y] of [
        [0, 0],
        [1000, 1000],
        [2100, 2850],
      ] as const) {
        const region = { level: 0, xLevel0: x, yLevel0: y, widthPx: 224, heightPx: 224 };
        expect(meanAbsoluteDifference(await fromServer.readRegion(region), await fromFile.readRegion(region))).toBe(0);
      }
      // Lower levels are the dicomizer's own reductions (a 2×2 box at each step): close to the file's resized level 0.
      const thumbnailDifference = meanAbsoluteDifference(
        await fromServer.readThumbnail(256),
        await fromFile.readThumbnail(256),
      );
      expect(thumbnailDifference).toBeLessThan(6);
      console.log(
        `[dicomweb] 256-px thumbnail (from level 2) vs the file's (from level 0) mean |Δ| ` +
          `${thumbnailDifference.toFixed(2)} / 255`,
      );
    } finally {
      await Promise.all([fromServer.close(), fromFile.close()]);
    }
  });

  it('ingests the series over DICOMweb and matches the SVS ingested from its file', async () => {
    const fileResponse = await fetch(`${baseUrl}/v1/slides`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: svsPath }),
    });
    expect(fileResponse.status).toBe(202);
    const webResponse = await fetch(`${baseUrl}/v1/slides/dicomweb`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'pacs', ...series.jpeg, name: 'CMU-1-Small-Region over DICOMweb' }),
    });
    expect(webResponse.status).toBe(202);
    const queued = (await webResponse.json()) as any;
    expect(queued).toMatchObject({
      source: 'dicomweb',
      series_instance_uid: series.jpeg!.series_instance_uid,
      duplicate: false,
      format: 'dicom-wsi',
    });

    fileSlide = await waitForSlide(baseUrl, ((await fileResponse.json()) as any).id, 180_000);
    webSlide = await waitForSlide(baseUrl, queued.id, 180_000);
    expect(fileSlide.status).toBe('ready');
    expect(webSlide.status).toBe('ready');
    expect([webSlide.width_px, webSlide.height_px]).toEqual([fileSlide.width_px, fileSlide.height_px]);
    expect(webSlide.mpp_x).toBeCloseTo(fileSlide.mpp_x, 5);
    expect(webSlide.mpp_y).toBeCloseTo(fileSlide.mpp_y, 5);
    expect(webSlide.patch_size_level0_px).toBe(fileSlide.patch_size_level0_px);
    // The tissue mask comes from each slide's smallest level (the dicomizer's reduction vs the
    // SVS level 0): a few edge patches may differ.
    expect(fileSlide.patch_count).toBeGreaterThan(20);
    expect(Math.abs(webSlide.patch_count - fileSlide.patch_count)).toBeLessThanOrEqual(
      Math.ceil(fileSlide.patch_count * 0.05),
    );

    const similar = (await (await fetch(`${baseUrl}/v1/search/similar-slides?slide_id=${webSlide.id}`)).json()) as any;
    const fileHit = similar.data.find((hit: Record<string, any>) => hit.id === fileSlide.id);
    expect(fileHit).toBeDefined();
    expect(fileHit.score).toBeGreaterThan(0.999);
    console.log(
      `[dicomweb] file: ${fileSlide.width_px}×${fileSlide.height_px} px, mpp ${fileSlide.mpp_x}, ` +
        `${fileSlide.patch_count} patches; ` +
        `DICOMweb: ${webSlide.width_px}×${webSlide.height_px} px, mpp ${webSlide.mpp_x}, ${webSlide.patch_count} ` +
        `patches; slide embedding cosine ${fileHit.score.toFixed(6)}`,
    );
  });

  it('embeds patches read over DICOMweb as it embeds the file’s (tiny CLIP, cosine)', async () => {
    const encoder = await ClipImageEncoder.load({ modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' });
    const fromServer = await slideOpener(DicomWebServers.fromSettings(test.config))({
      source: 'dicomweb',
      filePath: dicomWebLocation('pacs', series.jpeg!.study_instance_uid, series.jpeg!.series_instance_uid),
    });
    const fromFile = await openSlide(svsPath!);
    try {
      const positions = [
        [448, 448],
        [896, 1344],
        [1344, 2016],
        [1792, 896],
      ];
      const read = (reader: SlideReader) =>
        Promise.all(
          positions.map(([x, y]) =>
            reader.readRegion({ level: 0, xLevel0: x!, yLevel0: y!, widthPx: 448, heightPx: 448 }),
          ),
        );
      const [serverEmbeddings, fileEmbeddings] = [
        await encoder.embedImages(await read(fromServer)),
        await encoder.embedImages(await read(fromFile)),
      ];
      const cosines = serverEmbeddings.map((embedding, index) => cosine(embedding, fileEmbeddings[index]!));
      for (const value of cosines) expect(value).toBeGreaterThan(0.9999);
    } finally {
      await Promise.all([fromServer.close(), fromFile.close(), encoder.dispose()]);
    }
  });

  it('does nothing when the same series is ingested again', async () => {
    const again = await fetch(`${baseUrl}/v1/slides/dicomweb`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'pacs', ...series.jpeg }),
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: webSlide.id, duplicate: true, status: 'ready' });
  });

  // Two CLI processes (tsx start-up): slow on a busy machine.
  it(
    'searches and ingests from the command line (pathlens dicomweb search | ingest)',
    { timeout: 240_000 },
    async () => {
      const environment = {
        ...process.env,
        DATABASE_URL: '',
        DICOMWEB_ENDPOINTS: `pacs=${orthanc.dicomWebUrl}`,
        DICOMWEB_CREDENTIALS: `pacs=basic:${orthanc.username}:${orthanc.password}`,
      };
      const pathlens = (...args: string[]) =>
        run(process.execPath, [path.join(projectRoot, 'apps/cli/bin/pathlens.js'), 'dicomweb', ...args], {
          env: environment,
          timeout: 120_000,
        });
      const search = await pathlens('search');
      expect(search.stdout).toContain('2 slide series on pacs');
      expect(search.stdout).toContain(`${series.jpeg!.study_instance_uid} ${series.jpeg!.series_instance_uid}`);
      expect(search.stdout + search.stderr).not.toContain(orthanc.password);

      const ingest = await pathlens(
        'ingest',
        series.jpeg!.study_instance_uid,
        series.jpeg!.series_instance_uid,
        '--server',
        baseUrl,
      );
      expect(ingest.stdout).toMatch(new RegExp(`already ingested: .* \\(${webSlide.id}\\) via ${baseUrl}`));
      expect(JSON.parse(ingest.stdout.trim().split('\n').at(-1)!)).toMatchObject({
        id: webSlide.id,
        status: 'ready',
        width_px: 2220,
      });
    },
  );

  it('serves viewer tiles, thumbnails and region crops of the DICOMweb slide as of the file', async () => {
    const descriptor = await fetch(`${baseUrl}/v1/slides/${webSlide.id}/dzi`);
    expect(descriptor.status).toBe(200);
    expect(await descriptor.text()).toContain('Width="2220" Height="2967"');
    const tile = await fetch(`${baseUrl}/v1/slides/${webSlide.id}/dzi_files/12/3_4.jpeg`);
    expect(tile.status).toBe(200);
    expect((await sharp(Buffer.from(await tile.arrayBuffer())).metadata()).format).toBe('jpeg');
    expect((await fetch(`${baseUrl}/v1/slides/${webSlide.id}/thumbnail.jpg`)).status).toBe(200);

    const crop = async (id: string) => {
      const response = await fetch(`${baseUrl}/v1/slides/${id}/region.jpg?x=1000&y=1200&size=256`);
      expect(response.status).toBe(200);
      const { data, info } = await sharp(Buffer.from(await response.arrayBuffer()))
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { data, widthPx: info.width, heightPx: info.height };
    };
    const [webCrop, fileCrop] = [await crop(webSlide.id), await crop(fileSlide.id)];
    expect([webCrop.widthPx, webCrop.heightPx]).toEqual([256, 256]);
    expect(meanAbsoluteDifference(webCrop, fileCrop)).toBeLessThan(1);
  });

  it('refuses clearly what it cannot ingest, and stores nothing for it', async () => {
    const ingest = (body: Record<string, unknown>) =>
      fetch(`${baseUrl}/v1/slides/dicomweb`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const expectError = async (response: Response, status: number, code: string, hint: RegExp) => {
      const body = (await response.json()) as any;
      expect({ status: response.status, code: body.error?.code }).toEqual({ status, code });
      expect(body.error.message).toMatch(hint);
      expect(JSON.stringify(body)).not.toContain(orthanc.password);
    };

    // The series already ingested is found by its UID before any server is asked: the errors below use the other one.
    await expectError(
      await ingest({ endpoint: 'elsewhere', ...series.jpeg }),
      404,
      'not_found',
      /Configured: pacs, offline, wrongkey, nokey/,
    );
    await expectError(
      await ingest({ endpoint: 'pacs', ...series.jpeg, series_instance_uid: '1.2.3/../../system' }),
      400,
      'invalid_request',
      /series_instance_uid/,
    );
    await expectError(
      await ingest({ endpoint: 'pacs', ...series.jpeg, series_instance_uid: '1.2.3.4' }),
      404,
      'not_found',
      /pathlens dicomweb search/,
    );
    await expectError(
      await ingest({ endpoint: 'offline', ...series.jpeg2000 }),
      502,
      'upstream_error',
      /could not be reached.*DICOMWEB_ENDPOINTS/,
    );
    await expectError(
      await ingest({ endpoint: 'wrongkey', ...series.jpeg2000 }),
      502,
      'upstream_error',
      /refused .*HTTP 401.*DICOMWEB_CREDENTIALS/,
    );
    await expectError(
      await ingest({ endpoint: 'nokey', ...series.jpeg2000 }),
      502,
      'upstream_error',
      /needs credentials: set DICOMWEB_CREDENTIALS=nokey=bearer/,
    );
    await expectError(await fetch(`${baseUrl}/v1/dicomweb/wrongkey/series`), 502, 'upstream_error', /HTTP 401/);
    await expectError(
      await ingest({ endpoint: 'pacs', ...series.jpeg2000 }),
      415,
      'unsupported_format',
      /JPEG 2000.*JPEG baseline/,
    );

    const slides = (await (await fetch(`${baseUrl}/v1/slides`)).json()) as any;
    expect(slides.data.map((slide: { id: string }) => slide.id).sort()).toEqual([fileSlide.id, webSlide.id].sort());
  });

  it('retries 5xx answers and timeouts with backoff, then gives up with upstream_error', async () => {
    let failuresLeft = 2;
    let requests = 0;
    const credential = new RedactedCredential(
      `Basic ${Buffer.from(`${orthanc.username}:${orthanc.password}`).toString('base64')}`,
    );
    // A loopback proxy in front of Orthanc: the first two requests get 503, the `/hang` path never answers.
    const proxy = http.createServer((request, response) => {
      requests++;
      if (request.url?.startsWith('/hang')) return;
      if (failuresLeft-- > 0) {
        response.writeHead(503).end('busy');
        return;
      }
      const upstream = http.request(`${orthanc.restUrl}${request.url}`, { headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      upstream.end();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as { port: number }).port;
    try {
      const flaky = new DicomWebClient({
        name: 'flaky',
        url: `http://127.0.0.1:${port}/dicom-web`,
        credential,
        retries: 2,
        retryDelayMs: 10,
      });
      expect(await searchSlideSeries(flaky)).toHaveLength(2);
      expect(requests).toBe(3);

      const hanging = new DicomWebClient({
        name: 'hanging',
        url: `http://127.0.0.1:${port}/hang`,
        credential,
        retries: 1,
        retryDelayMs: 10,
        timeoutMs: 300,
      });
      const failure = await searchSlideSeries(hanging).catch((error: unknown) => error);
      expect(PathLensError.is(failure, 'upstream_error')).toBe(true);
      expect((failure as Error).message).toMatch(/no answer within 0.3 s, 2 tries/);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

function meanAbsoluteDifference(left: { data: Uint8Array }, right: { data: Uint8Array }): number {
  expect(left.data.length).toBe(right.data.length);
  let total = 0;
  for (let index = 0; index < left.data.length; index++) total += Math.abs(left.data[index]! - right.data[index]!);
  return total / left.data.length;
}

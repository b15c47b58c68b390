import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Debian's packages: `orthanc`, `orthanc-dicomweb` (the DICOMweb plugin), `orthanc-wsi` (the dicomizer). */
const dicomWebPlugin = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/** Why Orthanc tests cannot run here, or null when they can. */
export function orthancMissing(): string | null {
  const missing = ['Orthanc', 'OrthancWSIDicomizer'].filter(
    (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0,
  );
  if (!existsSync(dicomWebPlugin)) missing.push(dicomWebPlugin);
  if (missing.length === 0) return null;
  return `${missing.join(', ')} not found (install the Debian packages orthanc, orthanc-dicomweb and orthanc-wsi)`;
}

export interface RunningOrthanc {
  /** The DICOMweb root, e.g. http://127.0.0.1:40123/dicom-web. */
  dicomWebUrl: string;
  /** The REST root, for storing instances. */
  restUrl: string;
  username: string;
  password: string;
  /** Milliseconds from spawn until it answered. */
  startMs: number;
  /** Stores every DICOM file of a folder (through the REST API). */
  storeFolder(folder: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Orthanc on a free loopback port with a temporary storage folder, the DICOMweb plugin and
 * HTTP basic authentication (`username`/`password`). It runs under a small shell guard that
 * stops it when `stop()` is called or when this test process exits, however it exits.
 */
export async function startOrthanc(): Promise<RunningOrthanc> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-orthanc-'));
  const port = await freePort();
  const username = 'pathlens';
  const password = `secret-${process.pid}`;
  const configPath = path.join(directory, 'orthanc.json');
  await mkdir(path.join(directory, 'storage'));
  await writeFile(
    configPath,
    JSON.stringify({
      Name: 'PathLensTest',
      StorageDirectory: path.join(directory, 'storage'),
      IndexDirectory: path.join(directory, 'storage'),
      HttpPort: port,
      DicomServerEnabled: false,
      RemoteAccessAllowed: false,
      AuthenticationEnabled: true,
      RegisteredUsers: { [username]: password },
      Plugins: [dicomWebPlugin],
      DicomWeb: { Enable: true, Root: '/dicom-web/' },
    }),
  );
  const logPath = path.join(directory, 'orthanc.log');
  // The guard: Orthanc in the background, stopped on TERM or when the parent ($1) is gone.
  const guard = [
    'Orthanc "$2" >"$3" 2>&1 & child=$!',
    "trap 'kill $child 2>/dev/null; wait $child; exit 0' TERM INT",
    'while kill -0 "$1" 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1 & wait $!; done',
    'kill $child 2>/dev/null; wait $child',
  ].join('\n');
  const started = performance.now();
  const process_: ChildProcess = spawn('sh', ['-c', guard, 'orthanc-guard', String(process.pid), configPath, logPath], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => process_.once('exit', () => resolve()));
  const restUrl = `http://127.0.0.1:${port}`;
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const stop = async () => {
    if (process_.exitCode === null && process_.signalCode === null) process_.kill('SIGTERM');
    await exited;
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const answer = await fetch(`${restUrl}/system`, { headers: { authorization } }).catch(() => null);
      if (answer?.ok) break;
      if (process_.exitCode !== null || Date.now() > deadline) {
        const log = await readFile(logPath, 'utf8').catch(() => '');
        throw new Error(`Orthanc did not start on port ${port}: ${log.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    dicomWebUrl: `${restUrl}/dicom-web`,
    restUrl,
    username,
    password,
    startMs: performance.now() - started,
    async storeFolder(folder) {
      for (const name of (await readdir(folder)).sort()) {
        const response = await fetch(`${restUrl}/instances`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/dicom' },
          body: await readFile(path.join(folder, name)),
        });
        if (!response.ok) throw new Error(`Orthanc refused ${name}: HTTP ${response.status} ${await response.text()}`);
      }
    },
    stop,
  };
}

export interface DicomizeOptions {
  /** µm per level-0 pixel of the source and its size: the dicomizer is told the imaged area from them. */
  mpp: number;
  widthPx: number;
  heightPx: number;
  /** Pyramid levels to build (the source's own level 0 and reductions). */
  levels: number;
  compression?: 'jpeg' | 'jpeg2000';
}

/**
 * `OrthancWSIDicomizer` (Debian's orthanc-wsi) turns a slide into a DICOM WSI series in `folder`.
 * orthanc-wsi 1.1 computes Pixel Spacing as imaged width / rows and imaged height / columns
 * (swapped), so it is given the imaged area transposed: the Pixel Spacing it writes is then the
 * source's MPP (only the informative Imaged Volume Width/Height attributes come out swapped).
 */
export async function dicomize(slidePath: string, folder: string, options: DicomizeOptions): Promise<void> {
  await mkdir(folder, { recursive: true });
  const result = spawnSync(
    'OrthancWSIDicomizer',
    [
      '--folder',
      folder,
      '--pyramid',
      '1',
      '--smooth',
      '1',
      '--levels',
      String(options.levels),
      '--imaged-width',
      String((options.heightPx * options.mpp) / 1000),
      '--imaged-height',
      String((options.widthPx * options.mpp) / 1000),
      ...(options.compression ? ['--compression', options.compression] : []),
      slidePath,
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0)
    throw new Error(`OrthancWSIDicomizer failed (${result.status}): ${result.stderr.slice(-2000)}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

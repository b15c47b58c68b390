import { createHash } from 'node:crypto';
import { mkdir, realpath, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { PathLensError } from '@pathlens/core';

/** What the owner of a data directory says about itself to whoever connects to its socket. */
export interface DataDirectoryOwner {
  pid: number;
  /** `http://host:port` of the owning server, or null for an owner that serves no HTTP (a CLI command in-process). */
  serverUrl: string | null;
}

/** A held claim on a data directory: the one writer of its embedded database. */
export interface DataDirectoryClaim {
  /** Tell later connections where this process answers HTTP (CLI commands then talk to it). */
  announce(serverUrl: string): void;
  release(): Promise<void>;
}

/**
 * The owner's socket. On Linux, an abstract-namespace Unix socket named after a hash of the
 * directory's real path: binding it is exclusive, the kernel frees it the instant the process dies
 * (even by `kill -9`), and nothing about it ages, so a stalled owner never loses it. Elsewhere, a
 * socket file in the directory (a dead owner's file is detected by a refused connection and replaced).
 */
export async function ownerSocketAddress(directory: string): Promise<string> {
  await mkdir(directory, { recursive: true });
  const realDirectory = await realpath(directory);
  if (process.platform !== 'linux') return path.join(realDirectory, 'pathlens.sock');
  const hash = createHash('sha256').update(realDirectory).digest('hex').slice(0, 40);
  return `\0pathlens-${hash}`;
}

/**
 * Become the one process that owns `directory`, for as long as this process lives, or fail with
 * `database_locked`. PGlite has no lock of its own: a second opener silently loses the first one's commits.
 *
 * @example
 * const claim = await claimDataDirectory('./data');
 * claim.announce('http://127.0.0.1:8080');
 */
export async function claimDataDirectory(directory: string): Promise<DataDirectoryClaim> {
  const address = await ownerSocketAddress(directory);
  const owner: DataDirectoryOwner = { pid: process.pid, serverUrl: null };
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.end(`${JSON.stringify(owner)}\n`);
  });
  try {
    await listenExclusively(server, address);
  } catch (error) {
    const found = await findDataDirectoryOwner(directory, { timeoutMs: 1_000 });
    throw lockedError(directory, found, error);
  }
  // The claim must never keep a finished process alive; it lasts exactly as long as the process.
  server.unref();
  return {
    announce(serverUrl) {
      owner.serverUrl = serverUrl;
    },
    async release() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!address.startsWith('\0')) await rm(address, { force: true });
    },
  };
}

/**
 * The process that owns `directory`, if any: `null` when none does, else what it says about itself,
 * or `{ answered: false }` when it holds the directory but does not reply in time (a stalled owner).
 */
export async function findDataDirectoryOwner(
  directory: string,
  options: { timeoutMs: number },
): Promise<(Partial<DataDirectoryOwner> & { answered: boolean }) | null> {
  // A directory that does not exist has no owner (and looking must not create it).
  if (!(await stat(directory).catch(() => null))) return null;
  const address = await ownerSocketAddress(directory);
  return new Promise((resolve) => {
    const socket = net.connect(address);
    let text = '';
    let connected = false;
    const finish = (result: (Partial<DataDirectoryOwner> & { answered: boolean }) | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish(connected ? { answered: false } : null), options.timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
    });
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('end', () => {
      try {
        finish({ ...(JSON.parse(text) as DataDirectoryOwner), answered: true });
      } catch {
        finish({ answered: false });
      }
    });
    socket.on('error', () => finish(connected ? { answered: false } : null));
  });
}

async function listenExclusively(server: net.Server, address: string): Promise<void> {
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: address, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen();
  } catch (error) {
    // A socket file (not Linux) outlives a crashed owner: replace it only when nobody answers on it.
    if (address.startsWith('\0') || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const alive = await new Promise<boolean>((resolve) => {
      const probe = net.connect(address, () => resolve(true)).on('error', () => resolve(false));
      probe.unref();
    });
    if (alive) throw error;
    await rm(address, { force: true });
    await listen();
  }
}

function lockedError(
  directory: string,
  owner: (Partial<DataDirectoryOwner> & { answered: boolean }) | null,
  cause: unknown,
): PathLensError {
  const who = owner?.pid ? `PathLens process ${owner.pid}` : 'Another PathLens process';
  const where = owner?.serverUrl ? ` (serving ${owner.serverUrl})` : '';
  return new PathLensError(
    'database_locked',
    `${who}${where} owns the embedded database in ${directory}. Stop it, talk to it over HTTP ` +
      '(pathlens … --server http://HOST:PORT), use another DATA_DIR, or set DATABASE_URL to share a PostgreSQL server.',
    { directory, ownerPid: owner?.pid ?? null, ownerUrl: owner?.serverUrl ?? null },
    { cause },
  );
}

import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { describeDatabase, type BenchDatabase } from './bench-database.ts';

/**
 * A new database on the PostgreSQL server at `serverUrl` (which must have pgvector), used
 * over one connection so that `SET`s apply to every later statement; `close()` drops it.
 */
export async function openServerDatabase(serverUrl: string): Promise<BenchDatabase> {
  const name = `pathlens_vector_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (error) {
    await admin.end({ timeout: 1 });
    throw new Error(
      `Cannot create a benchmark database on ${redact(serverUrl)}: ${(error as Error).message}. Start a server with \`bash .ci/setup-postgres.sh\` and pass the URL it prints as DATABASE_URL.`,
      { cause: error },
    );
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const notices: string[] = [];
  const client = postgres(url.toString(), {
    max: 1,
    onnotice: (notice) => notices.push(String(notice.message ?? notice)),
    // The vector type is an extension type: postgres.js passes its text form untouched.
    fetch_types: false,
  });
  const drop = async () => {
    await client.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end({ timeout: 5 });
  };
  try {
    await client.unsafe('create extension if not exists vector');
  } catch (error) {
    await drop();
    throw new Error(
      `pgvector is not available on ${redact(serverUrl)}: ${(error as Error).message}. Use the server from \`bash .ci/setup-postgres.sh\`.`,
      { cause: error },
    );
  }
  const [backend] = await client<{ pid: number }[]>`select pg_backend_pid() as pid`;
  const database: BenchDatabase = {
    store: 'postgres',
    async query<Row extends Record<string, unknown>>(statement: string, parameters: unknown[] = []) {
      const rows = await client.unsafe(statement, parameters as postgres.ParameterOrJSON<never>[], { prepare: true });
      return rows as unknown as Row[];
    },
    async copyBinary(table, columns, blocks) {
      for await (const block of blocks) {
        const writable = await client
          .unsafe(`copy ${table} (${columns.join(', ')}) from stdin with (format binary)`)
          .writable();
        await pipeline(Readable.from([Buffer.from(block.buffer, block.byteOffset, block.byteLength)]), writable);
      }
    },
    cpuSeconds: () => backendCpuSeconds(backend!.pid, url.hostname),
    takeNotices: () => notices.splice(0),
    describe: () => describeDatabase(database),
    close: drop,
  };
  return database;
}

/** utime + stime of a local backend from /proc (clock ticks of 1/100 s on Linux). */
async function backendCpuSeconds(pid: number, hostname: string): Promise<number | undefined> {
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname)) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function redact(databaseUrl: string): string {
  return databaseUrl.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@');
}

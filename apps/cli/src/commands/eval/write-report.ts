import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Write an evaluation as pretty JSON (parent folders made), with when and how it was run. */
export async function writeReport(file: string, kind: string, report: object): Promise<void> {
  const absolute = path.resolve(file);
  await mkdir(path.dirname(absolute), { recursive: true });
  await writeFile(
    absolute,
    JSON.stringify({ evaluation: kind, generated_at: new Date().toISOString(), ...report }, null, 2) + '\n',
  );
  console.log(`wrote ${absolute}`);
}

import type { Command } from 'commander';
import { embeddedReason, openStore, type PatchIndexBuildResult } from '@pathlens/store';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

/**
 * `pathlens index patches [--rebuild]`: build the approximate index for patch search across all
 * slides on a PostgreSQL server (DATABASE_URL), after a bulk load or to refresh its lists;
 * servers and workers also build it themselves past PATCH_INDEX_MIN_ROWS. The embedded store
 * keeps exact search, and the command says so without opening it (a running server may own it).
 */
export function indexCommand(program: Command): void {
  const index = program.command('index').description('Approximate search indexes on a PostgreSQL server');
  addConfigOptions(
    index
      .command('patches')
      .description(
        'Build the IVFFlat index for patch search across all slides (PostgreSQL only; concurrently: ingestion and search go on)',
      )
      .option('--rebuild', 'build a fresh index and swap it in, e.g. after the archive has grown'),
  ).action(async (options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    if (!config.databaseUrl) {
      console.log(`Nothing to do: ${embeddedReason}`);
      return;
    }
    const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
    try {
      console.log(`patch index on ${store.handle.location}: ${options.rebuild ? 'rebuilding' : 'building'}…`);
      let lastLine = '';
      const result = await store.patchIndex.build({
        rebuild: options.rebuild === true,
        onProgress: (progress) => {
          const share =
            progress.tuplesTotal > 0 ? ` ${Math.floor((100 * progress.tuplesDone) / progress.tuplesTotal)}%` : '';
          const line = `  ${progress.phase}${share}`;
          if (line !== lastLine) console.log(line);
          lastLine = line;
        },
      });
      console.log(describeResult(result));
      if (result.outcome === 'busy' || result.outcome === 'empty') process.exitCode = 1;
    } finally {
      await store.close();
    }
  });
}

function describeResult(result: PatchIndexBuildResult): string {
  const size = result.state.sizeBytes ? `, ${(result.state.sizeBytes / 1_048_576).toFixed(0)} MB` : '';
  return `${result.message}${result.outcome === 'built' ? ` Cross-slide patch search uses it now${size}.` : ''}`;
}

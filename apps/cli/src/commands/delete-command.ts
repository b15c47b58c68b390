import type { Command } from 'commander';
import { connectApi, expectOk } from '../api-client.ts';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

const routeByKind = { slide: 'slides', pair: 'pairs', conversation: 'conversations', report: 'reports' } as const;

/**
 * `pathlens delete <kind> <id>` and `pathlens purge --patient <id>`: deletion through the API
 * (a running server, or in-process when none owns the data directory), recorded in the audit.
 */
export function deleteCommands(program: Command): void {
  addConfigOptions(
    program
      .command('delete <kind> <id>')
      .description('Delete a slide, pair, conversation or report and everything derived from it (rows and files)')
      .option('--server <url>', 'a running PathLens server'),
  ).action(async (kind: string, id: string, options: Record<string, unknown>) => {
    const route = routeByKind[kind as keyof typeof routeByKind];
    if (!route)
      throw new Error(`Unknown kind "${kind.slice(0, 40)}": use one of ${Object.keys(routeByKind).join(', ')}.`);
    const api = await connectApi(configFromOptions(options), options.server as string | undefined);
    try {
      const response = await expectOk(await api.fetch(`/v1/${route}/${encodeURIComponent(id)}`, { method: 'DELETE' }));
      const { deleted } = (await response.json()) as { deleted: Record<string, number> };
      console.log(`deleted ${kind} ${id}: ${describeCounts(deleted)}`);
    } finally {
      await api.close();
    }
  });

  addConfigOptions(
    program
      .command('purge')
      .description('Delete everything derived from one patient identifier in metadata (patient_id, patient or mrn)')
      .requiredOption('--patient <id>', 'the patient identifier, as stored in slide or pair metadata')
      .option('--server <url>', 'a running PathLens server'),
  ).action(async (options: Record<string, unknown>) => {
    const api = await connectApi(configFromOptions(options), options.server as string | undefined);
    try {
      const response = await expectOk(
        await api.fetch('/v1/admin/purge', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ patient_id: options.patient }),
        }),
      );
      const { purged } = (await response.json()) as { purged: Record<string, number | string> };
      const { patient_id_sha256: patientIdSha256, ...counts } = purged;
      console.log(
        `purged patient (sha256 ${String(patientIdSha256).slice(0, 12)}…): ${describeCounts(counts as Record<string, number>)}`,
      );
    } finally {
      await api.close();
    }
  });
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([kind, count]) => `${count} ${kind.replace(/_/g, ' ')}`)
    .join(', ');
}

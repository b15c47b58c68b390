import type { Command } from 'commander';
import { evalSubcommands } from './eval/eval-subcommands.ts';

/**
 * `pathlens eval <what>`: measurements a user can rerun on their own data. Each subcommand
 * lives in `eval/<name>-subcommand.ts` and is listed in `eval/eval-subcommands.ts`.
 */
export function evalCommand(program: Command): void {
  const evaluation = program
    .command('eval')
    .description(
      'Measure PathLens on your own data: retrieval Recall@K, zero-shot accuracy, VQA, report drafts (prints a table, writes JSON with --out)',
    );
  for (const register of evalSubcommands) register(evaluation);
}

import type { Command } from 'commander';
import { reportsSubcommand } from './reports-subcommand.ts';
import { retrievalSubcommand } from './retrieval-subcommand.ts';
import { vqaSubcommand } from './vqa-subcommand.ts';
import { zeroShotSubcommand } from './zero-shot-subcommand.ts';

/** Every `pathlens eval` subcommand; add a new one here. */
export const evalSubcommands: ((evaluation: Command) => void)[] = [
  retrievalSubcommand,
  zeroShotSubcommand,
  vqaSubcommand,
  reportsSubcommand,
];

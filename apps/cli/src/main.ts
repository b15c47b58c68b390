import { Command } from 'commander';
import { PathLensError } from '@pathlens/core';
import { readFreshManifest, writeManifest } from '../bin/command-manifest.js';
import { chatCommand } from './commands/chat-command.ts';
import { classifyCommand } from './commands/classify-command.ts';
import { deleteCommands } from './commands/delete-command.ts';
import { evalCommand } from './commands/eval-command.ts';
import { heatmapCommand } from './commands/heatmap-command.ts';
import { indexCommand } from './commands/index-command.ts';
import { ingestCommand } from './commands/ingest-command.ts';
import { keysCommand } from './commands/keys-command.ts';
import { modelsCommand } from './commands/models-command.ts';
import { pairsCommand } from './commands/pairs-command.ts';
import { reportCommand } from './commands/report-command.ts';
import { reingestCommand } from './commands/reingest-command.ts';
import { searchCommand } from './commands/search-command.ts';
import { serveCommand } from './commands/serve-command.ts';
import { workerCommand } from './commands/worker-command.ts';
import { dicomWebCommand } from './commands/dicomweb-command.ts';

const program = new Command('pathlens')
  .description('PathLens: a self-hosted vision-language pathology assistant')
  .showHelpAfterError();
serveCommand(program);
ingestCommand(program);
reingestCommand(program);
searchCommand(program);
heatmapCommand(program);
classifyCommand(program);
evalCommand(program);
chatCommand(program);
modelsCommand(program);
keysCommand(program);
pairsCommand(program);
reportCommand(program);
workerCommand(program);
indexCommand(program);
dicomWebCommand(program);
deleteCommands(program);

// Refresh the manifest `pathlens --help` and argument errors are answered from (bin/pathlens.js).
if (!readFreshManifest()) {
  try {
    writeManifest(program);
  } catch {
    // A read-only install: the CLI still works, it just loads everything to print help.
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const message =
    error instanceof PathLensError
      ? `${error.message} (${error.code})`
      : error instanceof Error
        ? error.message
        : String(error);
  process.stderr.write(`pathlens: ${message}\n`);
  process.exitCode = 1;
}

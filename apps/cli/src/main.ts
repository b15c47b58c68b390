import { Command } from 'commander';
import { PathLensError } from '@pathlens/core';
import { chatCommand } from './commands/chat-command.ts';
import { classifyCommand } from './commands/classify-command.ts';
import { evalCommand } from './commands/eval-command.ts';
import { heatmapCommand } from './commands/heatmap-command.ts';
import { ingestCommand } from './commands/ingest-command.ts';
import { keysCommand } from './commands/keys-command.ts';
import { modelsCommand } from './commands/models-command.ts';
import { pairsCommand } from './commands/pairs-command.ts';
import { searchCommand } from './commands/search-command.ts';
import { serveCommand } from './commands/serve-command.ts';
import { workerCommand } from './commands/worker-command.ts';

const program = new Command('pathlens').description('PathLens: a self-hosted vision-language pathology assistant').showHelpAfterError();
serveCommand(program);
ingestCommand(program);
searchCommand(program);
heatmapCommand(program);
classifyCommand(program);
evalCommand(program);
chatCommand(program);
modelsCommand(program);
keysCommand(program);
pairsCommand(program);
workerCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const message = error instanceof PathLensError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
  process.stderr.write(`pathlens: ${message}\n`);
  process.exitCode = 1;
}

import type { Command } from 'commander';
import { createLogger } from '@pathlens/core';
import { startServer } from '@pathlens/server';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

export function serveCommand(program: Command): void {
  addConfigOptions(
    program.command('serve').description('Start the HTTP server (embedded database unless DATABASE_URL is set)'),
  ).action(async (options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    const logger = createLogger(config.logLevel);
    const server = await startServer(config, logger);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info(`${signal}: stopping (unfinished ingestion resumes at the next start)`);
      await server.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    await server.ready.catch(() => {
      process.exitCode = 1;
      void server.close().then(() => process.exit(1));
    });
  });
}

import type { Command } from 'commander';
import { configKeys, environmentName, loadConfig, type Config } from '@pathlens/core';

const flagName = (key: string) => key.replace(/([A-Z])/g, '-$1').toLowerCase();

/** Every configuration key as a flag (`--data-dir` for DATA_DIR): flags beat environment beat defaults. */
export function addConfigOptions(command: Command): Command {
  for (const key of configKeys) command.option(`--${flagName(key)} <value>`, `overrides ${environmentName(key)}`);
  return command;
}

export function configFromOptions(options: Record<string, unknown>): Config {
  const explicit = Object.fromEntries(
    configKeys.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]),
  );
  return loadConfig({ explicit });
}

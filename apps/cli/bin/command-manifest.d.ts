import type { Command } from 'commander';

export const manifestPath: string;
export function sourcesStamp(): number;
export function readFreshManifest(): { sourcesStamp: number; nodeVersion: string; program: CommandDescription } | null;
export function describeCommand(command: Command): CommandDescription;
export function writeManifest(program: Command): void;
export function programFromManifest(description: CommandDescription, onAction: (command: Command) => void): Command;

export interface CommandDescription {
  name: string;
  aliases: string[];
  description: string;
  summary: string;
  helpText: string;
  hasAction: boolean;
  settings: Record<string, unknown>;
  arguments: Record<string, unknown>[];
  options: Record<string, unknown>[];
  commands: CommandDescription[];
}

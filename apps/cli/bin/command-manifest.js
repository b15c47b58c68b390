// The command manifest: every command's name, arguments, options and help text, written from
// the real program (all commands loaded) so `pathlens --help` and argument errors can be
// answered without loading any command's dependencies (transformers.js, sharp, the store…).
// It is a cache: written by `npm install` (the `prepare` script) and again by any full start
// that finds it stale; stale means a source it was made from changed since (file times).
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Argument, Command, Option } from 'commander';

const cliRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const projectRoot = path.resolve(cliRoot, '../..');
export const manifestPath = path.join(cliRoot, '.cache', 'command-manifest.json');
/** What command definitions are made from: the CLI's sources and the settings schema (every command's config flags). */
const sourceFolders = [path.join(cliRoot, 'src'), path.join(projectRoot, 'packages/core/src/config')];
/** Commander's per-command settings that change parsing or messages (commander 14 field names). */
const commandSettings = [
  '_allowUnknownOption',
  '_allowExcessArguments',
  '_enablePositionalOptions',
  '_passThroughOptions',
  '_showHelpAfterError',
  '_showSuggestionAfterError',
  '_combineFlagAndOptionalValue',
  '_hidden',
  '_usage',
];

/** The newest modification time (ms) of any file the command definitions come from. */
export function sourcesStamp() {
  let newestMs = 0;
  const visit = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const entryPath = path.join(folder, entry.name);
      if (entry.isDirectory()) visit(entryPath);
      else newestMs = Math.max(newestMs, statSync(entryPath).mtimeMs);
    }
  };
  for (const folder of sourceFolders) visit(folder);
  return newestMs;
}

/** The manifest when it is there and made from the current sources; otherwise null. */
export function readFreshManifest() {
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    return manifest.sourcesStamp === sourcesStamp() && manifest.nodeVersion === process.version ? manifest : null;
  } catch {
    return null;
  }
}

/** Describe a real, fully registered commander program (JSON drops option parsers: the full start checks those). */
export function describeCommand(command) {
  let helpText = '';
  const output = { ...command.configureOutput() };
  // Help as it prints to a pipe (80 columns, no colour), whatever terminal wrote the manifest.
  command.configureOutput({
    writeOut: (text) => (helpText += text),
    getOutHelpWidth: () => 80,
    getOutHasColors: () => false,
  });
  command.outputHelp();
  command.configureOutput(output);
  return {
    name: command.name(),
    aliases: command.aliases(),
    description: command.description(),
    summary: command.summary(),
    helpText,
    hasAction: Boolean(command._actionHandler),
    settings: Object.fromEntries(
      commandSettings.filter((key) => command[key] !== undefined).map((key) => [key, command[key]]),
    ),
    arguments: command.registeredArguments.map((argument) => ({ ...argument, name: argument.name() })),
    options: command.options.map((option) => ({ ...option })),
    commands: command.commands.map(describeCommand),
  };
}

export function writeManifest(program) {
  const manifest = { sourcesStamp: sourcesStamp(), nodeVersion: process.version, program: describeCommand(program) };
  mkdirSync(path.dirname(manifestPath), { recursive: true });
  const partial = `${manifestPath}.${process.pid}`;
  writeFileSync(partial, JSON.stringify(manifest));
  renameSync(partial, manifestPath);
}

/**
 * A program with the same commands, arguments, options and help as the real one, whose
 * actions only report which command would run: parsing it prints help and argument errors
 * exactly as the real program would (and exits), or says the real program is needed.
 */
export function programFromManifest(description, onAction) {
  const build = (entry, command) => {
    command.description(entry.description).summary(entry.summary);
    if (entry.aliases.length > 0) command.aliases(entry.aliases);
    Object.assign(command, entry.settings);
    command.configureHelp({ formatHelp: () => entry.helpText });
    for (const { name, ...argument } of entry.arguments)
      command.addArgument(Object.assign(new Argument(name), argument));
    for (const option of entry.options)
      command.addOption(Object.assign(new Option(option.flags, option.description), option));
    for (const child of entry.commands) build(child, command.command(child.name));
    if (entry.hasAction) command.action(() => onAction(command));
    return command;
  };
  return build(description, new Command(description.name));
}

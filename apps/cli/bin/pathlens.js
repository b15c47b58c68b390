#!/usr/bin/env node
// Help and argument errors come from the command manifest (bin/command-manifest.js), with
// nothing heavy loaded: they answer in about the time Node takes to start. A command that
// will run loads the full program.
//
// PathLens runs its TypeScript sources directly (no build step): register tsx, then start.
// The large JavaScript dependencies are imported first, without tsx's hooks: loaded through
// them, @huggingface/transformers alone costs ~120 MB more memory (Node 20, tsx 4.23). The
// TypeScript sources then get the same, already loaded, modules.
import { programFromManifest, readFreshManifest } from './command-manifest.js';

const manifest = process.env.PATHLENS_COMMAND_MANIFEST === 'off' ? null : readFreshManifest();
// Prints help or an argument error and exits, as the full program would; returns when a command would run.
if (manifest) await programFromManifest(manifest.program, () => {}).parseAsync(process.argv);

await import('@huggingface/transformers');
await import('sharp');
const { register } = await import('tsx/esm/api');
register();
await import('../src/main.ts');

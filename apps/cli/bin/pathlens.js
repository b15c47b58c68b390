#!/usr/bin/env node
// PathLens runs its TypeScript sources directly (no build step): register tsx, then start.
// The large JavaScript dependencies are imported first, without tsx's hooks: loaded through
// them, @huggingface/transformers alone costs ~120 MB more memory (Node 20, tsx 4.23). The
// TypeScript sources then get the same, already loaded, modules.
import '@huggingface/transformers';
import 'sharp';
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');

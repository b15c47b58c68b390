// A worker thread starts without its parent's module loader hooks, and PathLens runs its
// TypeScript sources directly (no build step): register tsx here, as bin/pathlens.js does.
// The large JavaScript dependencies are imported first, without tsx's hooks: loaded through
// them, @huggingface/transformers alone costs this thread ~130 MB more memory (measured on
// Node 20, tsx 4.23). The TypeScript sources then get the same, already loaded, modules.
import '@huggingface/transformers';
import 'sharp';
import { register } from 'tsx/esm/api';

register();
await import('./encoder-thread-main.ts');

// A worker thread starts without its parent's module loader hooks, and PathLens runs its
// TypeScript sources directly: register tsx here, as bin/pathlens.js does. transformers.js is
// imported first, without tsx's hooks (loaded through them it costs ~130 MB more memory).
import '@huggingface/transformers';
import { register } from 'tsx/esm/api';

register();
await import('./language-model-thread-main.ts');

// A worker thread starts without its parent's module loader hooks, and PathLens runs its TypeScript sources directly
// (no build step): register tsx here, as the encoder thread does. sharp is imported first, without tsx's hooks.
import 'sharp';
import { register } from 'tsx/esm/api';

register();
await import('./patch-reader-thread-main.ts');

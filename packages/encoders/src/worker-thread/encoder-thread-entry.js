// A worker thread starts without its parent's module loader hooks, and PathLens runs its
// TypeScript sources directly (no build step): register tsx here, as bin/pathlens.js does.
import { register } from 'tsx/esm/api';

register();
await import('./encoder-thread-main.ts');

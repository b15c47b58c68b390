#!/usr/bin/env node
// PathLens runs its TypeScript sources directly (no build step): register tsx, then start.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');

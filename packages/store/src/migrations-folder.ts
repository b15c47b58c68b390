import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `<project>/migrations`, written by `npm run db:generate`, applied at start-up by both drivers. */
export const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations');

import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in packages/models/src/). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where the committed model manifest lives. */
export const defaultManifestPath = path.join(projectRoot, 'models', 'manifest.json');

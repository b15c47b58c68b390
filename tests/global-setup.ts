import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureTinyModels } from '@pathlens/models';
import { projectRoot } from './helpers/shared-data.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** MODELS_DIR holding the generated tiny models (`pathlens/tiny-clip`, `pathlens/tiny-chat`). */
    modelsDir: string;
  }
}

/** Generate the tiny models once per run (deterministic; reused when already current). */
export default async function setup(project: TestProject): Promise<void> {
  const modelsDir = path.join(projectRoot, '.tmp', 'test-models');
  await ensureTinyModels({ modelsDir });
  project.provide('modelsDir', modelsDir);
}

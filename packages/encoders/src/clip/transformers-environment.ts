import { env } from '@huggingface/transformers';

/**
 * transformers.js reads models from `<modelsDir>/<id>/`, offline only: nothing is ever
 * fetched implicitly (`pathlens models pull` is the one way models arrive).
 */
export function useLocalModels(modelsDir: string): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = modelsDir.endsWith('/') ? modelsDir : modelsDir + '/';
}

import type { Runtime } from '../runtime/runtime.ts';

/** The server listens before models load; routes under /v1 wait for `runtime`. */
export interface RuntimeHolder {
  runtime: Runtime | null;
  startupError: Error | null;
}

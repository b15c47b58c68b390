import type { Runtime } from '../runtime/runtime.ts';

/** What routes find in hono's context: the runtime, once start-up has finished. */
export interface AppEnvironment {
  Variables: {
    runtime: Runtime;
    /** MAX_UPLOAD_MEGABYTES in bytes, for `receiveUpload`. */
    maxUploadBytes: number;
  };
}

import type { Runtime } from '../runtime/runtime.ts';
import type { Principal } from './access/principal.ts';

/** What routes find in hono's context: the runtime, once start-up has finished, and who is calling. */
export interface AppEnvironment {
  Variables: {
    runtime: Runtime;
    principal: Principal;
    /** MAX_UPLOAD_MEGABYTES in bytes, for `receiveUpload`. */
    maxUploadBytes: number;
  };
}

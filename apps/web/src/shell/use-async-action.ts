import { useState } from 'preact/hooks';
import { describeError } from '../api/api-error.ts';

/**
 * Run one user action at a time with a busy flag and its error message (the server's how-to-fix
 * text). `run` resolves to the action's value, or undefined when it failed.
 */
export function useAsyncAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run<T>(action: () => Promise<T>, options: { quietWhen?: () => boolean } = {}): Promise<T | undefined> {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (failure) {
      if (!options.quietWhen?.()) setError(describeError(failure));
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

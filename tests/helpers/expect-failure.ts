import { expect } from 'vitest';
import { PathLensError } from '@pathlens/core';

/** The PathLensError a promise rejects with; success or another error fails the test. */
export async function pathLensFailure(promise: Promise<unknown>): Promise<PathLensError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PathLensError);
  return error as PathLensError;
}

import { PathLensError } from '@pathlens/core';
import { openSlide } from '@pathlens/slide-reader';

/** The PathLensError `openSlide` fails with; a slide that opens (or another error) fails the test. */
export async function openFailure(
  slidePath: string,
  options: Parameters<typeof openSlide>[1] = {},
): Promise<PathLensError> {
  const result = await openSlide(slidePath, options).then(
    async (slide) => {
      await slide.close();
      return new Error(`${slidePath} opened`);
    },
    (error: unknown) => error,
  );
  if (!PathLensError.is(result)) throw result;
  return result;
}

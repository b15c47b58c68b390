import { existsSync } from 'node:fs';

/** Debian's chromium (or CHROMIUM_PATH); undefined, after saying why, when there is none. */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (candidate): candidate is string => Boolean(candidate),
  );
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found)
    console.warn(
      `[skip] no chromium found (looked at ${candidates.join(', ')}); install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to run the browser tests.`,
    );
  return found;
}

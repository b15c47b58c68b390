import { PathLensError } from '../errors/pathlens-error.ts';
import {
  configKeys,
  configSchema,
  environmentName,
  resolveConfigPaths,
  type Config,
  type ConfigInput,
} from './config-schema.ts';

/** Settings holding secrets: a wrong value is never echoed in the error. */
const secretConfigKeys = new Set<string>(['dicomwebCredentials', 'chatApiKey']);

/**
 * Parse configuration once, at start-up. Explicit settings (CLI flags) beat environment
 * variables beat defaults. A wrong value fails with the variable's name and what it should be.
 *
 * @example
 * const config = loadConfig({ explicit: { port: 0 }, environment: process.env });
 */
export function loadConfig(
  options: {
    explicit?: Partial<Record<keyof ConfigInput, unknown>>;
    environment?: Record<string, string | undefined>;
    cwd?: string;
  } = {},
): Config {
  const environment = options.environment ?? process.env;
  const merged: Record<string, unknown> = {};
  for (const key of configKeys) {
    const explicitValue = options.explicit?.[key];
    const environmentValue = environment[environmentName(key)];
    const value = explicitValue ?? (environmentValue === '' ? undefined : environmentValue);
    if (value !== undefined) merged[key] = value;
  }
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const given = secretConfigKeys.has(key) ? '[redacted]' : JSON.stringify(merged[key]);
      return `${environmentName(key)} (--${key.replace(/([A-Z])/g, '-$1').toLowerCase()}): ${issue.message}; got ${given}`;
    });
    throw new PathLensError('invalid_config', `Invalid configuration:\n  ${problems.join('\n  ')}`, { problems });
  }
  return resolveConfigPaths(parsed.data, options.cwd ?? process.cwd());
}

import type { Context } from 'hono';
import type { z } from 'zod';
import { PathLensError } from '@pathlens/core';

/** Explain a zod failure as one line a person can act on: `field: problem; field: problem`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
}

/** Parse a JSON body against a schema; malformed JSON or a wrong shape is a 400 that says what is wrong. */
export async function parseJson<T extends z.ZodType>(context: Context, schema: T): Promise<z.output<T>> {
  return parseValue(schema, await readJsonBody(context), 'body');
}

/** The request body as JSON; malformed JSON is a 400 that says what to send. */
export async function readJsonBody(context: Context): Promise<unknown> {
  try {
    return await context.req.json();
  } catch {
    throw new PathLensError(
      'invalid_request',
      'The request body is not valid JSON (send Content-Type: application/json and a JSON object).',
    );
  }
}

/** The request body as a JSON object (not an array or a scalar). */
export async function readJsonObject(context: Context): Promise<Record<string, unknown>> {
  const body = await readJsonBody(context);
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new PathLensError('invalid_request', 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

export function parseValue<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new PathLensError('invalid_request', `Invalid ${where}: ${describeIssues(parsed.error)}`, {
      param: first?.path.join('.') || null,
    });
  }
  return parsed.data;
}

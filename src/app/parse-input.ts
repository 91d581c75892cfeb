import type { z } from 'zod';
import { CairnError } from '../core/cairn-error.js';

/** Validates an edge's input against a use-case schema; the first problem becomes an INPUT_INVALID error. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || 'input';
  throw new CairnError('INPUT_INVALID', `Invalid ${field}: ${issue?.message ?? 'unknown problem'}.`, {
    hint: `Check the value given for ${field}.`,
    details: { issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
  });
}

import { z } from 'zod';
import { invalidTextReason } from '@pathlens/core';

/**
 * A text field a person writes (chat, captions, metadata, names, filters): refused with a 400
 * before anything is stored when it holds NUL, control characters or broken Unicode, or is longer than `maxLength`.
 */
export function plainText(options: { maxLength?: number } = {}) {
  const base = options.maxLength
    ? z.string().max(options.maxLength, `at most ${options.maxLength} characters`)
    : z.string();
  return base.superRefine((value, context) => {
    const reason = invalidTextReason(value);
    if (reason) context.addIssue({ code: 'custom', message: `${reason}; send plain text` });
  });
}

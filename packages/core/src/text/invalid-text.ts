/** C0 control characters other than tab, line feed and carriage return, and DEL. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const controlCharacters = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `value` is not plain text a person wrote, or null when it is. PostgreSQL refuses NUL in
 * text (a 500 and half-written rows before this check), and control characters or broken
 * UTF-16 in a caption or a name are never intended.
 *
 * @example
 * invalidTextReason('a\u0000b'); // 'contains a NUL byte'
 */
export function invalidTextReason(value: string): string | null {
  if (value.includes('\u0000')) return 'contains a NUL byte';
  if (controlCharacters.test(value)) return 'contains a control character';
  if (loneSurrogate.test(value)) return 'contains invalid Unicode (a lone surrogate)';
  return null;
}

/** The start of user input, for an error message: never more than `maxCharacters` of it. */
export function quotePrefix(value: string, maxCharacters = 40): string {
  // eslint-disable-next-line no-control-regex -- control characters are masked, on purpose
  const shown = value.slice(0, maxCharacters).replace(/[\u0000-\u001F\u007F]/g, '?');
  return JSON.stringify(value.length > maxCharacters ? `${shown}…` : shown);
}

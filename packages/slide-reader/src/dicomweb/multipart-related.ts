/** One body part of a `multipart/related` response: its headers (lower-case names) and bytes. */
export interface MultipartPart {
  headers: Record<string, string>;
  body: Buffer;
}

/** The value of `name` in a header such as `multipart/related; type="image/jpeg"; boundary=abc`, unquoted. */
export function headerParameter(header: string, name: string): string | null {
  const match = new RegExp(`(?:^|[;\\s])${name}\\s*=\\s*("([^"]*)"|[^;\\s]+)`, 'i').exec(header);
  if (!match) return null;
  return match[2] ?? match[1]!;
}

/**
 * Splits a `multipart/related` body (RFC 2387, as WADO-RS returns frames) into its parts.
 * Throws when the content type names no boundary or the body does not contain it.
 */
export function parseMultipartRelated(contentType: string, body: Buffer): MultipartPart[] {
  const boundary = headerParameter(contentType, 'boundary');
  if (!boundary) throw new Error(`the response is "${contentType}", not multipart/related with a boundary`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let position = body.indexOf(delimiter);
  if (position < 0) throw new Error('the response body does not contain its multipart boundary');
  for (;;) {
    position += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body[position] === 0x2d && body[position + 1] === 0x2d) break;
    const headersEnd = body.indexOf('\r\n\r\n', position);
    if (headersEnd < 0) throw new Error('a multipart part has no end to its headers');
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd + 4);
    if (next < 0) throw new Error('a multipart part has no closing boundary (the response was cut short)');
    const headers: Record<string, string> = {};
    for (const line of body.toString('latin1', position, headersEnd).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: body.subarray(headersEnd + 4, next) });
    position = next + 2;
  }
  return parts;
}

import { z } from 'zod';

/** One configured DICOMweb server: a short name (used in API paths and slide rows) and its root URL. */
export interface DicomWebEndpointSetting {
  name: string;
  /** The DICOMweb root, without a trailing slash: QIDO-RS and WADO-RS paths are appended to it. */
  url: string;
}

/**
 * An `Authorization` header value kept out of logs: `String()`, JSON and `util.inspect` print
 * `[redacted]`; only `headerValue()` gives the secret.
 */
export class RedactedCredential {
  readonly #headerValue: string;
  constructor(headerValue: string) {
    this.#headerValue = headerValue;
  }
  headerValue(): string {
    return this.#headerValue;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}

const endpointName = /^[a-z0-9][a-z0-9-]{0,39}$/;

function entries(value: string): Array<[string, string]> {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const equals = entry.indexOf('=');
      return equals < 0 ? [entry, ''] : [entry.slice(0, equals).trim(), entry.slice(equals + 1).trim()];
    });
}

/**
 * DICOMWEB_ENDPOINTS: comma-separated `name=url`, e.g.
 * `pacs=http://127.0.0.1:8042/dicom-web,archive=https://vna.example.org/dicomweb`.
 */
export const dicomWebEndpointsSetting = z
  .string()
  .default('')
  .transform((value, context): DicomWebEndpointSetting[] => {
    const endpoints: DicomWebEndpointSetting[] = [];
    for (const [name, url] of entries(value)) {
      if (!endpointName.test(name)) {
        context.addIssue({
          code: 'custom',
          message:
            `"${name}" is not an endpoint name: use lower-case letters, digits and "-", as in ` +
            `pacs=http://127.0.0.1:8042/dicom-web`,
        });
        continue;
      }
      let parsed: URL | null;
      try {
        parsed = new URL(url);
      } catch {
        parsed = null;
      }
      if (
        !parsed ||
        (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ||
        parsed.username ||
        parsed.password
      ) {
        context.addIssue({
          code: 'custom',
          message:
            `${name}: "${url}" is not an http(s) DICOMweb root without credentials (put those in ` +
            `DICOMWEB_CREDENTIALS), as in ${name}=http://127.0.0.1:8042/dicom-web`,
        });
        continue;
      }
      if (endpoints.some((endpoint) => endpoint.name === name)) {
        context.addIssue({ code: 'custom', message: `the endpoint name "${name}" is given twice` });
        continue;
      }
      endpoints.push({ name, url: parsed.href.replace(/\/+$/, '') });
    }
    return endpoints;
  });

/**
 * DICOMWEB_CREDENTIALS: comma-separated `name=bearer:<token>` or `name=basic:<user>:<password>`
 * for endpoints of DICOMWEB_ENDPOINTS that need them. Read from the environment; never logged.
 */
export const dicomWebCredentialsSetting = z
  .string()
  .default('')
  .transform((value, context): Record<string, RedactedCredential> => {
    const credentials: Record<string, RedactedCredential> = {};
    for (const [name, credential] of entries(value)) {
      const bearer = /^bearer:(.+)$/i.exec(credential);
      const basic = /^basic:([^:]+):(.*)$/i.exec(credential);
      if (bearer) credentials[name] = new RedactedCredential(`Bearer ${bearer[1]}`);
      else if (basic)
        credentials[name] = new RedactedCredential(
          `Basic ${Buffer.from(`${basic[1]}:${basic[2]}`).toString('base64')}`,
        );
      // The value is a secret: the message names the endpoint only.
      else
        context.addIssue({
          code: 'custom',
          message: `the credential for "${name}" must be bearer:<token> or basic:<user>:<password>`,
        });
    }
    return credentials;
  });

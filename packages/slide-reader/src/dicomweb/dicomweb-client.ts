import pLimit, { type LimitFunction } from 'p-limit';
import { PathLensError, type RedactedCredential } from '@pathlens/core';
import type { DicomJsonObject } from './dicom-json-attributes.ts';
import { headerParameter, parseMultipartRelated } from './multipart-related.ts';

export interface DicomWebClientOptions {
  /** The name the server has in DICOMWEB_ENDPOINTS (shown in messages instead of secrets). */
  name: string;
  /** DICOMweb root, no trailing slash. */
  url: string;
  /** `Authorization` header value; never logged. */
  credential?: RedactedCredential | undefined;
  /** One try of one request is abandoned after this long. Default 30 s. */
  timeoutMs?: number;
  /** Retries after a timeout, a failed connection or a 5xx. Default 3. */
  retries?: number;
  /** Requests in flight at once. Default 6. */
  concurrency?: number;
  /** First wait before a retry; doubled each time. Default 500 ms. */
  retryDelayMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** One frame as the server sent it, and the transfer syntax its part was labelled with (null: not said). */
export interface DicomWebFrame {
  bytes: Buffer;
  transferSyntaxUid: string | null;
}

/** Frames in the transfer syntax they are stored in; the reader decides whether it can decode them. */
const frameAccept = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';

/**
 * A client for one DICOMweb server: QIDO-RS searches, WADO-RS series metadata and frames.
 * Requests are bounded in number, retried with exponential backoff on timeouts, connection
 * failures and 5xx answers, and failures become `PathLensError`s that say what to fix: a
 * refused credential (401/403) or an unreachable server is `upstream_error` (502), an unknown
 * study or series `not_found`.
 *
 * @example
 * const client = new DicomWebClient({ name: 'pacs', url: 'http://127.0.0.1:8042/dicom-web' });
 * const series = await client.searchJson('/series', { Modality: 'SM' });
 */
export class DicomWebClient {
  readonly name: string;
  readonly url: string;
  readonly #credential: RedactedCredential | undefined;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #limit: LimitFunction;
  readonly #fetch: typeof globalThis.fetch;

  constructor(options: DicomWebClientOptions) {
    this.name = options.name;
    this.url = options.url.replace(/\/+$/, '');
    this.#credential = options.credential;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retries = options.retries ?? 3;
    this.#retryDelayMs = options.retryDelayMs ?? 500;
    this.#limit = pLimit(options.concurrency ?? 6);
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** A QIDO-RS search (`/studies`, `/series`, `/studies/{uid}/series`): the matches as DICOM JSON. */
  async searchJson(path: string, query: Record<string, string | string[]>): Promise<DicomJsonObject[]> {
    const parameters = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) for (const one of [value].flat()) parameters.append(key, one);
    const response = await this.#get(`${path}?${parameters}`, 'application/dicom+json', 'search');
    // A QIDO search with no matches may answer 204 with no body.
    if (response.status === 204 || response.bytes.length === 0) return [];
    return this.#json(response.bytes, 'search');
  }

  /** WADO-RS metadata of every instance of a series. */
  async seriesMetadata(studyInstanceUid: string, seriesInstanceUid: string): Promise<DicomJsonObject[]> {
    const what = `series ${seriesInstanceUid}`;
    const response = await this.#get(
      `/studies/${studyInstanceUid}/series/${seriesInstanceUid}/metadata`,
      'application/dicom+json',
      what,
    );
    return this.#json(response.bytes, what);
  }

  /** WADO-RS `/frames/{n}` of one instance (`frameNumber` 1-based), in its stored transfer syntax. */
  async frame(instanceUrlPath: string, frameNumber: number): Promise<DicomWebFrame> {
    return (await this.frames(instanceUrlPath, [frameNumber]))[0]!;
  }

  /** Several frames of one instance in one request (`/frames/3,4,9`), in the order asked for. */
  async frames(instanceUrlPath: string, frameNumbers: number[]): Promise<DicomWebFrame[]> {
    const what = `frame${frameNumbers.length > 1 ? 's' : ''} ${frameNumbers.join(',')} of ${instanceUrlPath}`;
    const response = await this.#get(`${instanceUrlPath}/frames/${frameNumbers.join(',')}`, frameAccept, what);
    let parts;
    try {
      parts = parseMultipartRelated(response.contentType, response.bytes);
    } catch (error) {
      throw new PathLensError(
        'upstream_error',
        `The DICOMweb server "${this.name}" sent ${what} in a form PathLens cannot read: ${(error as Error).message}.`,
        { endpoint: this.name },
        { cause: error },
      );
    }
    if (parts.length !== frameNumbers.length) {
      throw new PathLensError(
        'upstream_error',
        `The DICOMweb server "${this.name}" sent ${parts.length} parts for ${what}.`,
        { endpoint: this.name },
      );
    }
    return parts.map((part) => {
      const partType = part.headers['content-type'] ?? '';
      const transferSyntaxUid =
        headerParameter(partType, 'transfer-syntax') ?? headerParameter(response.contentType, 'transfer-syntax');
      return { bytes: Buffer.from(part.body), transferSyntaxUid };
    });
  }

  /** The URL path (below the root) of one instance. */
  static instancePath(studyInstanceUid: string, seriesInstanceUid: string, sopInstanceUid: string): string {
    return `/studies/${studyInstanceUid}/series/${seriesInstanceUid}/instances/${sopInstanceUid}`;
  }

  #json(bytes: Buffer, what: string): DicomJsonObject[] {
    try {
      const parsed: unknown = JSON.parse(bytes.toString('utf8'));
      if (Array.isArray(parsed)) return parsed as DicomJsonObject[];
    } catch {
      // reported below
    }
    throw new PathLensError(
      'upstream_error',
      `The DICOMweb server "${this.name}" answered the ${what} request with something other than DICOM JSON. Check ` +
        `that DICOMWEB_ENDPOINTS points at its DICOMweb root (e.g. …/dicom-web).`,
      {
        endpoint: this.name,
      },
    );
  }

  #get(path: string, accept: string, what: string): Promise<{ status: number; contentType: string; bytes: Buffer }> {
    return this.#limit(async () => {
      const headers: Record<string, string> = { accept };
      if (this.#credential) headers.authorization = this.#credential.headerValue();
      let lastProblem = '';
      for (let attempt = 0; attempt <= this.#retries; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.#retryDelayMs * 2 ** (attempt - 1)));
        let response: Response;
        try {
          response = await this.#fetch(`${this.url}${path}`, {
            headers,
            signal: AbortSignal.timeout(this.#timeoutMs),
            redirect: 'error',
          });
        } catch (error) {
          lastProblem = describeFetchFailure(error, this.#timeoutMs);
          continue;
        }
        if (response.status >= 500) {
          lastProblem = `it answered HTTP ${response.status}`;
          await response.body?.cancel();
          continue;
        }
        if (!response.ok) {
          await response.body?.cancel();
          throw this.#refusal(response.status, what);
        }
        try {
          return {
            status: response.status,
            contentType: response.headers.get('content-type') ?? '',
            bytes: Buffer.from(await response.arrayBuffer()),
          };
        } catch (error) {
          lastProblem = describeFetchFailure(error, this.#timeoutMs);
        }
      }
      throw new PathLensError(
        'upstream_error',
        `The DICOMweb server "${this.name}" (${this.url}) could not be reached for the ${what} request: ` +
          `${lastProblem}, ${this.#retries + 1} tries. Check that it is running and that DICOMWEB_ENDPOINTS has its ` +
          `right address.`,
        { endpoint: this.name },
      );
    });
  }

  #refusal(status: number, what: string): PathLensError {
    const details = { endpoint: this.name, upstreamStatus: status };
    if (status === 401 || status === 403) {
      const fix = this.#credential
        ? 'Check its entry in DICOMWEB_CREDENTIALS'
        : `It needs credentials: set DICOMWEB_CREDENTIALS=${this.name}=bearer:<token> or ` +
          `${this.name}=basic:<user>:<password>`;
      return new PathLensError(
        'upstream_error',
        `The DICOMweb server "${this.name}" refused the ${what} request (HTTP ${status}). ${fix}.`,
        details,
      );
    }
    if (status === 404) {
      return new PathLensError(
        'not_found',
        `The DICOMweb server "${this.name}" has no ${what} (HTTP 404). ` +
          'Check the UIDs with `pathlens dicomweb search`.',
        details,
      );
    }
    if (status === 406 || status === 415) {
      return new PathLensError(
        'unsupported_format',
        `The DICOMweb server "${this.name}" cannot send the ${what} in a form PathLens reads (HTTP ${status}). Store ` +
          `the series with JPEG baseline or uncompressed frames.`,
        details,
      );
    }
    return new PathLensError(
      'upstream_error',
      `The DICOMweb server "${this.name}" refused the ${what} request (HTTP ${status}).`,
      details,
    );
  }
}

function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : null;
  return cause ?? (error instanceof Error ? error.message : String(error));
}

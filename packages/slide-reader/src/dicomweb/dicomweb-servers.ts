import { PathLensError, type DicomWebEndpointSetting, type RedactedCredential } from '@pathlens/core';
import { DicomWebClient } from './dicomweb-client.ts';

/** The DICOMweb settings of the configuration (DICOMWEB_*). */
export interface DicomWebSettings {
  dicomwebEndpoints: DicomWebEndpointSetting[];
  dicomwebCredentials: Record<string, RedactedCredential>;
  dicomwebTimeoutSeconds: number;
  dicomwebConcurrency: number;
  dicomwebRetries: number;
}

/**
 * The configured DICOMweb servers by name, one client each (so concurrency is bounded per server).
 *
 * @example
 * const servers = DicomWebServers.fromSettings(config);
 * const client = servers.client('pacs');
 */
export class DicomWebServers {
  readonly #clients = new Map<string, DicomWebClient>();

  constructor(clients: DicomWebClient[]) {
    for (const client of clients) this.#clients.set(client.name, client);
  }

  static fromSettings(settings: DicomWebSettings, fetch?: typeof globalThis.fetch): DicomWebServers {
    return new DicomWebServers(
      settings.dicomwebEndpoints.map(
        (endpoint) =>
          new DicomWebClient({
            name: endpoint.name,
            url: endpoint.url,
            credential: settings.dicomwebCredentials[endpoint.name],
            timeoutMs: settings.dicomwebTimeoutSeconds * 1000,
            concurrency: settings.dicomwebConcurrency,
            retries: settings.dicomwebRetries,
            fetch,
          }),
      ),
    );
  }

  /** Names and roots of the servers, in configuration order. */
  list(): Array<{ name: string; url: string }> {
    return [...this.#clients.values()].map((client) => ({ name: client.name, url: client.url }));
  }

  /** The client for `name`; `not_found` naming the configured ones otherwise. */
  client(name: string): DicomWebClient {
    const client = this.#clients.get(name);
    if (client) return client;
    const known = [...this.#clients.keys()];
    throw new PathLensError(
      'not_found',
      known.length === 0
        ? `No DICOMweb server is configured. Set DICOMWEB_ENDPOINTS, e.g. ` +
            `${name || 'pacs'}=http://127.0.0.1:8042/dicom-web.`
        : `No DICOMweb server is named "${name}". Configured: ${known.join(', ')} (DICOMWEB_ENDPOINTS).`,
      { endpoint: name, configured: known },
    );
  }
}

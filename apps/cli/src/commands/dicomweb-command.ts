import { InvalidArgumentError, type Command } from 'commander';
import { PathLensError, type Config } from '@pathlens/core';
import { DicomWebServers, searchSlideSeries } from '@pathlens/slide-reader';
import { connectApi } from '../api-client.ts';
import { addConfigOptions, configFromOptions } from '../config-options.ts';
import { addRegistrationOptions, reportRegistration, slideMetadataFromOptions } from './ingest-command.ts';

/**
 * `pathlens dicomweb search` lists slide-microscopy series on a DICOMweb server (QIDO-RS, no
 * patient attributes); `pathlens dicomweb ingest <study-uid> <series-uid>` ingests one of them.
 */
export function dicomWebCommand(program: Command): void {
  const dicomweb = program.command('dicomweb').description('Slides from DICOMweb servers (DICOMWEB_ENDPOINTS)');
  addConfigOptions(
    dicomweb
      .command('search')
      .description('List slide-microscopy series (modality SM) on a DICOMweb server')
      .option('--endpoint <name>', 'server name in DICOMWEB_ENDPOINTS (default: the only one)')
      .option('--study <uid>', 'only the series of this Study Instance UID')
      .option('--limit <count>', 'most series listed', parseCount, 100)
      .option('--json', 'print JSON instead of a table'),
  ).action(async (options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    const client = DicomWebServers.fromSettings(config).client(endpointName(config, options.endpoint));
    const series = await searchSlideSeries(client, {
      studyInstanceUid: options.study as string | undefined,
      limit: options.limit as number,
    });
    if (options.json) {
      console.log(JSON.stringify(series, null, 2));
      return;
    }
    console.log(`${series.length} slide series on ${client.name}`);
    for (const entry of series) {
      const described = [
        entry.studyDate,
        entry.studyDescription,
        entry.seriesDescription,
        entry.instanceCount === null ? null : `${entry.instanceCount} instances`,
      ].filter(Boolean);
      console.log(
        `${entry.studyInstanceUid} ${entry.seriesInstanceUid}${described.length ? `  ${described.join(' · ')}` : ''}`,
      );
    }
  });
  addConfigOptions(
    addRegistrationOptions(dicomweb.command('ingest <study-uid> <series-uid>'))
      .description('Ingest a whole-slide series from a DICOMweb server (the same series ingests once)')
      .option('--endpoint <name>', 'server name in DICOMWEB_ENDPOINTS (default: the only one)'),
  ).action(async (studyInstanceUid: string, seriesInstanceUid: string, options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    const endpoint = endpointName(config, options.endpoint);
    const api = await connectApi(config, options.server as string | undefined);
    try {
      const request = {
        endpoint,
        study_instance_uid: studyInstanceUid,
        series_instance_uid: seriesInstanceUid,
        name: options.name,
        mpp: options.mpp,
        tile_at_level0: options.tileLevel0 ? true : undefined,
        metadata: slideMetadataFromOptions(options),
      };
      const response = await api.fetch('/v1/slides/dicomweb', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      await reportRegistration(api, response, options.wait !== false);
    } finally {
      await api.close();
    }
  });
}

/** The `--endpoint` given, or the only configured server. */
function endpointName(config: Config, given: unknown): string {
  if (typeof given === 'string') return given;
  const configured = config.dicomwebEndpoints.map((endpoint) => endpoint.name);
  if (configured.length === 1) return configured[0]!;
  throw new PathLensError(
    'invalid_request',
    configured.length === 0
      ? 'No DICOMweb server is configured. Set DICOMWEB_ENDPOINTS, e.g. pacs=http://127.0.0.1:8042/dicom-web.'
      : `Several DICOMweb servers are configured (${configured.join(', ')}): pick one with --endpoint.`,
  );
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('give a whole number, at least 1');
  return count;
}

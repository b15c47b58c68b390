import type { Command } from 'commander';
import { connectApi, expectOk } from '../api-client.ts';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

export function searchCommand(program: Command): void {
  addConfigOptions(
    program
      .command('search <query>')
      .description('Text → image search over slide patches and library pairs')
      .option('-k, --k <count>', 'results', '10')
      .option('--kind <kind>', 'all | patch | pair', 'all')
      .option('--slide <id>', 'only this slide')
      .option('--json', 'print JSON')
      .option('--server <url>', 'a running PathLens server'),
  ).action(async (query: string, options: Record<string, unknown>) => {
    const api = await connectApi(configFromOptions(options), options.server as string | undefined);
    try {
      const parameters = new URLSearchParams({ q: query, k: String(options.k), kind: String(options.kind) });
      if (options.slide) parameters.set('slide_id', String(options.slide));
      const result = (await (await expectOk(await api.fetch(`/v1/search?${parameters}`))).json()) as { data: Record<string, unknown>[] };
      if (options.json) return console.log(JSON.stringify(result, null, 2));
      for (const item of result.data) {
        const where = item.kind === 'patch' ? `${item.slide_name} at (${item.x_level0}, ${item.y_level0}) level 0` : `"${item.caption}"`;
        console.log(`${Number(item.score).toFixed(3)}  ${String(item.kind).padEnd(5)}  ${where}`);
      }
      if (result.data.length === 0) console.log('no matches (ingest a slide or add pairs first)');
    } finally {
      await api.close();
    }
  });
}

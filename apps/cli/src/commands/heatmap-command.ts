import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { connectApi, expectOk } from '../api-client.ts';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

/** `pathlens heatmap <slide-id> "<text>"`: patch scores as JSON, or the PNG overlay with --png. */
export function heatmapCommand(program: Command): void {
  addConfigOptions(
    program
      .command('heatmap <slide-id> <query>')
      .description(
        'How similar every patch of a slide is to a text: JSON scores (level-0 positions), or a PNG overlay sized for the slide thumbnail',
      )
      .option('--png <file>', 'write the PNG overlay here')
      .option('--max-size <px>', 'long side of the overlay (the thumbnail size)', '1024')
      .option('--colour-map <name>', 'turbo | viridis | inferno | magma', 'turbo')
      .option('--json', 'print the full JSON (every patch)')
      .option('--server <url>', 'a running PathLens server'),
  ).action(async (slideId: string, query: string, options: Record<string, unknown>) => {
    const api = await connectApi(configFromOptions(options), options.server as string | undefined);
    try {
      const parameters = new URLSearchParams({
        q: query,
        max_size_px: String(options.maxSize),
        colour_map: String(options.colourMap),
      });
      const url = `/v1/slides/${encodeURIComponent(slideId)}/heatmap?${parameters}`;
      if (options.png) {
        const response = await expectOk(await api.fetch(`${url}&format=png`));
        await writeFile(String(options.png), new Uint8Array(await response.arrayBuffer()));
        console.log(
          `${options.png}: ${response.headers.get('x-heatmap-width-px')}×${response.headers.get('x-heatmap-height-px')} px, scores ${Number(response.headers.get('x-heatmap-score-min')).toFixed(3)}…${Number(response.headers.get('x-heatmap-score-max')).toFixed(3)}`,
        );
        return;
      }
      const heatmap = (await (await expectOk(await api.fetch(url))).json()) as {
        slide_name: string;
        patches: { x_level0: number; y_level0: number; score: number }[];
        score_min: number;
        score_max: number;
      };
      if (options.json) return console.log(JSON.stringify(heatmap, null, 2));
      console.log(
        `${heatmap.slide_name}: ${heatmap.patches.length} patches, scores ${heatmap.score_min.toFixed(3)}…${heatmap.score_max.toFixed(3)}; best:`,
      );
      for (const patch of [...heatmap.patches].sort((left, right) => right.score - left.score).slice(0, 5))
        console.log(`  ${patch.score.toFixed(3)}  (${patch.x_level0}, ${patch.y_level0}) level 0`);
    } finally {
      await api.close();
    }
  });
}

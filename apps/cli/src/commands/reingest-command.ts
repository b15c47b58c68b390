import type { Command } from 'commander';
import { connectApi, expectOk } from '../api-client.ts';
import { addConfigOptions, configFromOptions } from '../config-options.ts';
import { parsePositiveNumber } from './ingest-command.ts';
import { printSlideOutcome, waitForSlide, type SlideView } from './slide-progress.ts';

/**
 * `pathlens reingest <slide-id> [--mpp 0.25] [--target-mpp 0.5] [--tile-level0]` (`--target-mpp`
 * is the TARGET_MPP flag every command takes): a failed or
 * ready slide, reset and ingested again with the new options (POST /v1/slides/:id/reingest).
 */
export function reingestCommand(program: Command): void {
  addConfigOptions(
    program
      .command('reingest <slide-id>')
      .description(
        'Ingest a failed or ready slide again from a clean state, e.g. with the right MPP; shows progress until ready',
      )
      .option('--server <url>', 'a running PathLens server (default: HOST:PORT when one answers, else in-process)')
      .option(
        '--mpp <micrometres>',
        'level-0 pixel size in µm/px, replacing the file’s (or one given before)',
        parsePositiveNumber,
      )
      .option('--tile-level0', 'tile at full resolution without a physical scale')
      .option('--no-wait', 'return once queued'),
  ).action(async (slideId: string, options: Record<string, unknown>) => {
    const api = await connectApi(configFromOptions(options), options.server as string | undefined);
    try {
      // --target-mpp is the TARGET_MPP flag every command has: given here, it is the slide's new target.
      const targetMpp = options.targetMpp === undefined ? undefined : parsePositiveNumber(String(options.targetMpp));
      const request = {
        mpp: options.mpp,
        target_mpp: targetMpp,
        tile_at_level0: options.tileLevel0 ? true : undefined,
      };
      const response = await api.fetch(`/v1/slides/${encodeURIComponent(slideId)}/reingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      let slide = (await (await expectOk(response)).json()) as SlideView;
      console.log(`queued again: ${slide.name} (${slide.id}) via ${api.target}`);
      if (options.wait !== false) slide = await waitForSlide(api, slide.id);
      printSlideOutcome(slide);
    } finally {
      await api.close();
    }
  });
}

import { SingleBar } from 'cli-progress';
import { expectOk } from '../api-client.ts';

/** The fields of the API's slide object the CLI shows. */
export interface SlideView {
  id: string;
  name: string;
  status: string;
  failure_reason: string | null;
  patch_count: number;
  mpp_x: number | null;
  mpp_source: string;
  warnings?: string[];
  width_px: number;
  height_px: number;
  progress: { tiles_done: number; tiles_total: number; eta_seconds: number | null };
}

/** Poll a slide with a progress bar until it is ready or failed. */
export async function waitForSlide(api: { fetch(path: string): Promise<Response> }, id: string): Promise<SlideView> {
  const bar = new SingleBar({
    format: 'ingesting [{bar}] {percentage}% | {value}/{total} tiles | {patches} patches | ETA {eta_text}',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 5_000,
  });
  let started = false;
  for (;;) {
    const slide = (await (await expectOk(await api.fetch(`/v1/slides/${id}`))).json()) as SlideView;
    const { tiles_done: done, tiles_total: total, eta_seconds: eta } = slide.progress;
    const payload = { patches: slide.patch_count, eta_text: eta === null ? '…' : `${Math.ceil(eta)} s` };
    if (!started && total > 0) {
      bar.start(total, done, payload);
      started = true;
    } else if (started) bar.update(done, payload);
    if (slide.status === 'ready' || slide.status === 'failed') {
      if (started) bar.stop();
      return slide;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** One JSON line about the slide; a failed slide makes the command exit 1. */
export function printSlideOutcome(slide: SlideView): void {
  console.log(
    JSON.stringify({
      id: slide.id,
      status: slide.status,
      patch_count: slide.patch_count,
      mpp: slide.mpp_x,
      mpp_source: slide.mpp_source,
      width_px: slide.width_px,
      height_px: slide.height_px,
      failure_reason: slide.failure_reason,
      warnings: slide.warnings,
    }),
  );
  if (slide.status === 'failed') process.exitCode = 1;
}

import type { Slide } from '../api/api-types.ts';
import { formatDuration } from './format-slide.ts';
import { ProgressBar } from './progress-bar.tsx';

/** queued / running with progress and ETA / ready / failed with its reason. */
export function SlideStatus({ slide }: { slide: Slide }) {
  if (slide.status === 'running') {
    const { fraction, tiles_done: done, tiles_total: total, eta_seconds: eta } = slide.progress;
    const label = `${(fraction * 100).toFixed(0)} % (${done.toLocaleString('en')} / ${total.toLocaleString('en')} tiles)${eta !== null ? `, about ${formatDuration(eta)} left` : ''}`;
    return (
      <span class="status status-running" data-status="running">
        running <ProgressBar fraction={total > 0 ? fraction : null} label={label} />
      </span>
    );
  }
  if (slide.status === 'failed')
    return (
      <span class="status status-failed" data-status="failed" title={slide.failure_reason ?? ''}>
        failed: {slide.failure_reason ?? 'no reason recorded'}
      </span>
    );
  return (
    <span class={`status status-${slide.status}`} data-status={slide.status}>
      {slide.status}
    </span>
  );
}

import { useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import type { Slide } from '../api/api-types.ts';
import { useAsyncAction } from '../shell/use-async-action.ts';
import { useViewerState, type ViewerState } from '../state/viewer-state.ts';
import { inputValue, inputChecked } from '../shell/form-values.ts';

/** Overlay switches: the tissue mask, and a heatmap for a text query with its colour scale. */
export function OverlayControls({ slide, state }: { slide: Slide; state: ViewerState }) {
  const snapshot = useViewerState(state);
  const [queryText, setQueryText] = useState('');
  const { busy, error, run } = useAsyncAction();

  async function showHeatmap(event: Event) {
    event.preventDefault();
    if (!queryText.trim()) return;
    const heatmap = await run(() => api.heatmap(slide.id, queryText.trim()));
    if (heatmap) state.update({ heatmap: { queryText: queryText.trim(), ...heatmap }, heatmapVisible: true });
  }

  return (
    <div class="overlay-controls" role="group" aria-label="Overlays">
      <label class="toggle">
        <input
          type="checkbox"
          checked={snapshot.tissueMaskVisible}
          onChange={(event) => state.update({ tissueMaskVisible: inputChecked(event) })}
        />{' '}
        Tissue mask
      </label>
      <form class="inline-form" onSubmit={showHeatmap}>
        <input
          type="text"
          aria-label="Heatmap query"
          placeholder="Heatmap: where is… (e.g. tumour)"
          value={queryText}
          onInput={(event) => setQueryText(inputValue(event))}
        />
        <button type="submit" disabled={busy || !queryText.trim() || slide.status !== 'ready'}>
          {busy ? 'Computing…' : 'Heatmap'}
        </button>
      </form>
      {snapshot.heatmap && (
        <>
          <label class="toggle">
            <input
              type="checkbox"
              checked={snapshot.heatmapVisible}
              onChange={(event) => state.update({ heatmapVisible: inputChecked(event) })}
            />{' '}
            “{snapshot.heatmap.queryText}”
          </label>
          <span
            class="colour-scale"
            aria-label={`Colour scale: similarity ${snapshot.heatmap.scoreMin.toFixed(2)} (blue) to ${snapshot.heatmap.scoreMax.toFixed(2)} (red)`}
          >
            <span>{snapshot.heatmap.scoreMin.toFixed(2)}</span>
            <span class="colour-scale-bar turbo" />
            <span>{snapshot.heatmap.scoreMax.toFixed(2)}</span>
            <span class="hint">cosine similarity</span>
          </span>
        </>
      )}
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

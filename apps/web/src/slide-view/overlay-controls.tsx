import { useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import { describeError } from '../api/api-error.ts';
import type { Slide } from '../api/api-types.ts';
import { useViewerState, type ViewerState } from '../state/viewer-state.ts';

/** Overlay switches: the tissue mask, and a heatmap for a text query with its colour scale. */
export function OverlayControls({ slide, state }: { slide: Slide; state: ViewerState }) {
  const snapshot = useViewerState(state);
  const [queryText, setQueryText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function showHeatmap(event: Event) {
    event.preventDefault();
    if (!queryText.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const heatmap = await api.heatmap(slide.id, queryText.trim());
      state.update({ heatmap: { queryText: queryText.trim(), ...heatmap }, heatmapVisible: true });
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="overlay-controls" role="group" aria-label="Overlays">
      <label class="toggle">
        <input
          type="checkbox"
          checked={snapshot.tissueMaskVisible}
          onChange={(event) => state.update({ tissueMaskVisible: (event.target as HTMLInputElement).checked })}
        />{' '}
        Tissue mask
      </label>
      <form class="inline-form" onSubmit={showHeatmap}>
        <input
          type="text"
          aria-label="Heatmap query"
          placeholder="Heatmap: where is… (e.g. tumour)"
          value={queryText}
          onInput={(event) => setQueryText((event.target as HTMLInputElement).value)}
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
              onChange={(event) => state.update({ heatmapVisible: (event.target as HTMLInputElement).checked })}
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

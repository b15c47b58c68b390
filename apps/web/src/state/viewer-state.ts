import { useEffect, useState } from 'preact/hooks';
import type { RegionLevel0 } from '../api/api-types.ts';

/**
 * What the slide viewer shows, in one place that the viewer, the chat, the report and the
 * facts panel all use. A citation click is `showRegion(rectangle)`; the viewer follows.
 */
export interface ViewerSnapshot {
  /** The region to bring into view (a new object each request, so the same region can be asked for twice). */
  requestedRegion: RegionLevel0 | null;
  /** A region to outline (hovered evidence); null for none. */
  highlightedRegion: RegionLevel0 | null;
  /** Regions the current answer cites, outlined faintly. */
  citedRegions: RegionLevel0[];
  tissueMaskVisible: boolean;
  heatmap: { queryText: string; url: string; scoreMin: number; scoreMax: number } | null;
  heatmapVisible: boolean;
}

type Listener = (snapshot: ViewerSnapshot) => void;

export class ViewerState {
  #snapshot: ViewerSnapshot = {
    requestedRegion: null,
    highlightedRegion: null,
    citedRegions: [],
    tissueMaskVisible: false,
    heatmap: null,
    heatmapVisible: false,
  };
  readonly #listeners = new Set<Listener>();

  get snapshot(): ViewerSnapshot {
    return this.#snapshot;
  }

  update(change: Partial<ViewerSnapshot>) {
    this.#snapshot = { ...this.#snapshot, ...change };
    for (const listener of this.#listeners) listener(this.#snapshot);
  }

  /** Pan and zoom the viewer so that this level-0 rectangle fills the view. */
  showRegion(region: RegionLevel0) {
    this.update({ requestedRegion: { ...region }, highlightedRegion: region });
  }

  highlight(region: RegionLevel0 | null) {
    this.update({ highlightedRegion: region });
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** The viewer state as a Preact value that re-renders the component on change. */
export function useViewerState(state: ViewerState): ViewerSnapshot {
  const [snapshot, setSnapshot] = useState(state.snapshot);
  useEffect(() => state.subscribe(setSnapshot), [state]);
  return snapshot;
}

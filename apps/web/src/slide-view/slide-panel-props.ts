import type { Slide } from '../api/api-types.ts';
import type { ViewerState } from '../state/viewer-state.ts';

/** What every panel beside the viewer gets: the slide, the shared viewer state, the demo-model warning. */
export interface SlidePanelProps {
  slide: Slide;
  state: ViewerState;
  demoWarning: string | null;
}

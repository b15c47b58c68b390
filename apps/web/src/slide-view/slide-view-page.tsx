import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import { describeError } from '../api/api-error.ts';
import type { Slide } from '../api/api-types.ts';
import { ChatPanel } from '../chat/chat-panel.tsx';
import { ReportPanel } from '../report/report-panel.tsx';
import { SlideStatus } from '../slides/slide-status.tsx';
import type { RegionLevel0 } from '../api/api-types.ts';
import { ViewerState } from '../state/viewer-state.ts';
import { SlideViewer } from '../viewer/slide-viewer.tsx';
import { OverlayControls } from './overlay-controls.tsx';
import { SlideFacts } from './slide-facts.tsx';

type Tab = 'chat' | 'report' | 'facts';
const tabNames: Record<Tab, string> = { chat: 'Chat', report: 'Report draft', facts: 'Slide facts' };

/**
 * The centre of the app: the viewer on the left, chat / report / facts on the right, one
 * viewer state between them. `initialRegion` (from a search hit's link) is brought into view.
 */
export function SlideViewPage({
  slideId,
  initialRegion,
  demoWarning,
}: {
  slideId: string;
  initialRegion: RegionLevel0 | null;
  demoWarning: string | null;
}) {
  const state = useMemo(() => new ViewerState(), [slideId]);
  const [slide, setSlide] = useState<Slide | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('chat');

  useEffect(() => {
    let current = true;
    let timer: number | undefined;
    const load = () =>
      api.getSlide(slideId).then(
        (loaded) => {
          if (!current) return;
          setSlide((previous) =>
            previous && previous.status === loaded.status && previous.patch_count === loaded.patch_count
              ? previous
              : loaded,
          );
          if (loaded.status === 'queued' || loaded.status === 'running') timer = window.setTimeout(load, 1500);
        },
        (failure: unknown) => current && setError(describeError(failure)),
      );
    void load();
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [slideId]);

  useEffect(() => {
    if (initialRegion) state.showRegion(initialRegion);
  }, [state, initialRegion]);

  if (error)
    return (
      <main class="page">
        <p class="error" role="alert">
          {error}
        </p>
        <a href="#/">Back to the slides</a>
      </main>
    );
  if (!slide)
    return (
      <main class="page">
        <p>Loading the slide…</p>
      </main>
    );
  return (
    <main class="slide-view">
      <div class="slide-view-main">
        <header class="slide-header">
          <h1>{slide.name}</h1>
          <SlideStatus slide={slide} />
          <OverlayControls slide={slide} state={state} />
        </header>
        <SlideViewer slide={slide} state={state} />
      </div>
      <aside class="side-panel">
        <div class="tabs" role="tablist" aria-label="Slide panels">
          {(Object.keys(tabNames) as Tab[]).map((name) => (
            <button
              type="button"
              role="tab"
              key={name}
              id={`tab-${name}`}
              aria-selected={tab === name}
              aria-controls={`panel-${name}`}
              class={tab === name ? 'tab tab-active' : 'tab'}
              onClick={() => setTab(name)}
            >
              {tabNames[name]}
            </button>
          ))}
        </div>
        {/* Every panel stays mounted (hidden when not chosen): */}
        {/* a streaming answer goes on while another tab is open. */}
        <div id="panel-chat" role="tabpanel" aria-labelledby="tab-chat" class="tab-panel" hidden={tab !== 'chat'}>
          <ChatPanel slide={slide} state={state} demoWarning={demoWarning} />
        </div>
        <div id="panel-report" role="tabpanel" aria-labelledby="tab-report" class="tab-panel" hidden={tab !== 'report'}>
          <ReportPanel slide={slide} state={state} demoWarning={demoWarning} />
        </div>
        <div id="panel-facts" role="tabpanel" aria-labelledby="tab-facts" class="tab-panel" hidden={tab !== 'facts'}>
          <SlideFacts slide={slide} state={state} />
        </div>
      </aside>
    </main>
  );
}

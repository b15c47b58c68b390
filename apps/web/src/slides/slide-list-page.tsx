import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import { describeError } from '../api/api-error.ts';
import type { Slide } from '../api/api-types.ts';
import { formatMpp } from './format-slide.ts';
import { SlideActions } from './slide-actions.tsx';
import { SlideStatus } from './slide-status.tsx';
import { UploadPanel } from './upload-panel.tsx';

/** How often the list refreshes while something is queued or running. */
const busyPollMs = 1500;

/** Every slide with its format, MPP, patches and live ingestion status; upload and register. */
export function SlideListPage() {
  const [slides, setSlides] = useState<Slide[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refreshCount, setRefreshCount] = useState(0);
  const refresh = () => setRefreshCount((count) => count + 1);

  useEffect(() => {
    let timer: number | undefined;
    let current = true;
    api.listSlides().then(
      (list) => {
        if (!current) return;
        setSlides(list);
        setError(null);
        if (list.some((slide) => slide.status === 'queued' || slide.status === 'running'))
          timer = window.setTimeout(refresh, busyPollMs);
      },
      (failure: unknown) => current && setError(describeError(failure)),
    );
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [refreshCount]);

  return (
    <main class="page slide-list-page">
      <h1>Slides</h1>
      <UploadPanel onAdded={refresh} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {slides && slides.length === 0 && <p class="hint">No slides yet: drop a slide file above.</p>}
      {slides && slides.length > 0 && (
        <table class="slide-table" data-testid="slide-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Format</th>
              <th scope="col">MPP</th>
              <th scope="col">Size (px)</th>
              <th scope="col">Patches</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {slides.map((slide) => (
              <tr key={slide.id} data-slide-id={slide.id}>
                <td>
                  <a href={`#/slides/${slide.id}`}>{slide.name}</a>
                </td>
                <td>
                  {slide.format}
                  {slide.vendor ? ` (${slide.vendor})` : ''}
                </td>
                <td>{formatMpp(slide)}</td>
                <td>
                  {slide.width_px.toLocaleString('en')} × {slide.height_px.toLocaleString('en')}
                </td>
                <td>{slide.patch_count.toLocaleString('en')}</td>
                <td>
                  <SlideStatus slide={slide} />
                </td>
                <td>
                  <SlideActions slide={slide} onChanged={refresh} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

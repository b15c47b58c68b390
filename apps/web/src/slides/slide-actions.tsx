import { useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import { describeError } from '../api/api-error.ts';
import type { Slide } from '../api/api-types.ts';

/** Re-ingest with new options (MPP when the file has none, target MPP) or delete a slide. */
export function SlideActions({ slide, onChanged }: { slide: Slide; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [mppText, setMppText] = useState(slide.mpp_x ? String(slide.mpp_x) : '');
  const [targetMppText, setTargetMppText] = useState(slide.target_mpp ? String(slide.target_mpp) : '');
  const [message, setMessage] = useState<string | null>(null);

  async function reingest(event: Event) {
    event.preventDefault();
    try {
      await api.reingestSlide(slide.id, {
        mpp: mppText ? Number(mppText) : undefined,
        targetMpp: targetMppText ? Number(targetMppText) : undefined,
      });
      setOpen(false);
      setMessage(null);
      onChanged();
    } catch (error) {
      setMessage(describeError(error));
    }
  }

  async function remove() {
    if (
      !window.confirm(
        `Delete ${slide.name}? Its patches, tiles, masks and uploaded file are removed; conversations keep their text.`,
      )
    )
      return;
    try {
      await api.deleteSlide(slide.id);
      onChanged();
    } catch (error) {
      setMessage(describeError(error));
    }
  }

  return (
    <span class="slide-actions">
      <button type="button" class="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
        Re-ingest…
      </button>{' '}
      <button type="button" class="danger" onClick={remove}>
        Delete
      </button>
      {open && (
        <form class="reingest-form" onSubmit={reingest}>
          <label>
            MPP (µm/px){' '}
            <input
              type="number"
              step="0.001"
              min="0.05"
              max="20"
              value={mppText}
              onInput={(event) => setMppText((event.target as HTMLInputElement).value)}
            />
          </label>
          <label>
            Target MPP{' '}
            <input
              type="number"
              step="0.01"
              min="0.1"
              max="20"
              value={targetMppText}
              onInput={(event) => setTargetMppText((event.target as HTMLInputElement).value)}
              placeholder="0.5"
            />
          </label>
          <button type="submit">Re-ingest</button>
        </form>
      )}
      {message && (
        <span class="error" role="alert">
          {message}
        </span>
      )}
    </span>
  );
}

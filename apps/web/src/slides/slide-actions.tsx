import { useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import { describeError } from '../api/api-error.ts';
import type { Slide } from '../api/api-types.ts';
import { MppInput } from './mpp-input.tsx';

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
          <MppInput label="MPP (µm/px)" value={mppText} onChange={setMppText} />
          <MppInput label="Target MPP (µm/px)" value={targetMppText} onChange={setTargetMppText} placeholder="0.5" />
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

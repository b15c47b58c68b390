/** A labelled progress bar (the native element: accessible, styled by the stylesheet). */
export function ProgressBar({ fraction, label }: { fraction: number | null; label: string }) {
  return (
    <span class="progress">
      <progress max={1} value={fraction ?? undefined} aria-label={label} />
      <span class="progress-label">{label}</span>
    </span>
  );
}

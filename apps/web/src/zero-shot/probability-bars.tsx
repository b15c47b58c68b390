import { useEffect, useRef } from 'preact/hooks';

/** A horizontal bar chart of class probabilities (widths set from script: the page's policy forbids inline styles). */
export function ProbabilityBars({ classes }: { classes: { id: string; name: string; probability: number }[] }) {
  return (
    <ul class="probability-bars">
      {classes.map((labelClass) => (
        <li key={labelClass.id}>
          <span class="bar-label">{labelClass.name}</span>
          <Bar fraction={labelClass.probability} />
          <span class="bar-value">{(labelClass.probability * 100).toFixed(1)} %</span>
        </li>
      ))}
    </ul>
  );
}

function Bar({ fraction }: { fraction: number }) {
  const barRef = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (barRef.current) barRef.current.style.width = `${Math.max(0.5, fraction * 100)}%`;
  }, [fraction]);
  return (
    <span class="bar-track">
      <span ref={barRef} class="bar-fill" />
    </span>
  );
}

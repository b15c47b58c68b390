import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import type { EvidenceItem } from '../api/api-types.ts';
import { evidenceRegion, evidenceSource, evidenceSummary } from '../state/evidence-region.ts';

/** A crop the API serves, loaded with the API key. */
export function RegionCrop({ path, label }: { path: string | null; label: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    if (path)
      api.regionImageUrl(path).then(
        (loaded) => current && setUrl(loaded),
        () => current && setUrl(null),
      );
    return () => {
      current = false;
    };
  }, [path]);
  if (!path) return <div class="crop crop-empty" aria-hidden="true" />;
  return url ? (
    <img class="crop" src={url} alt={label} width={72} height={72} />
  ) : (
    <div class="crop crop-loading" aria-label="loading crop" />
  );
}

/**
 * The numbered evidence an answer was given: crop, score, source and one line each. Hover
 * outlines a region on the slide; Enter or click brings it into view.
 */
export function EvidenceList({
  evidence,
  activeN,
  onShow,
  onHover,
}: {
  evidence: EvidenceItem[];
  activeN: number | null;
  onShow: (item: EvidenceItem) => void;
  onHover: (item: EvidenceItem | null) => void;
}) {
  if (evidence.length === 0) return null;
  return (
    <ol class="evidence-list" aria-label="Evidence">
      {evidence.map((item) => {
        const region = evidenceRegion(item);
        return (
          <li
            key={item.n}
            id={`evidence-${item.n}`}
            class={`evidence-item${activeN === item.n ? ' evidence-active' : ''}`}
            data-kind={item.kind}
          >
            <button
              type="button"
              class="evidence-button"
              onClick={() => onShow(item)}
              onMouseEnter={() => onHover(item)}
              onMouseLeave={() => onHover(null)}
              onFocus={() => onHover(item)}
              onBlur={() => onHover(null)}
              title={region ? 'Show this region on the slide' : 'Evidence'}
            >
              <RegionCrop path={item.thumbnailUrl} label={`Evidence ${item.n}: ${evidenceSource(item)}`} />
              <span class="evidence-text">
                <span class="evidence-head">
                  [{item.n}] {evidenceSource(item)} · score {item.score.toFixed(2)}
                </span>
                <span class="evidence-summary">{evidenceSummary(item)}</span>
              </span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}

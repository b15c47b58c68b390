import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import { describeError } from '../api/api-error.ts';
import type { Prototype, SearchHit, Slide } from '../api/api-types.ts';
import { RegionCrop } from '../chat/evidence-list.tsx';
import { formatMpp, tissueAreaMm2 } from '../slides/format-slide.ts';
import { squareRegion } from '../state/evidence-region.ts';
import type { ViewerState } from '../state/viewer-state.ts';

const mppSources: Record<string, string> = { file: 'from the file', request: 'given at ingestion', none: 'not known' };

/** Format, vendor, size, MPP and its source, objective, tissue area; prototypes (clickable) and similar slides. */
export function SlideFacts({ slide, state }: { slide: Slide; state: ViewerState }) {
  const [prototypes, setPrototypes] = useState<Prototype[]>([]);
  const [similar, setSimilar] = useState<SearchHit[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (slide.status !== 'ready') return;
    api.prototypes(slide.id).then(setPrototypes, (failure: unknown) => setError(describeError(failure)));
    api.similarSlides(slide.id).then(
      (page) => setSimilar(page.data),
      () => setSimilar([]),
    );
  }, [slide.id, slide.status]);

  const area = tissueAreaMm2(slide);
  const facts: [string, string][] = [
    ['Format', slide.format],
    ['Vendor', slide.vendor ?? 'not recorded'],
    [
      'Dimensions',
      `${slide.width_px.toLocaleString('en')} × ${slide.height_px.toLocaleString('en')} px${slide.mpp_x ? ` (${((slide.width_px * slide.mpp_x) / 1000).toFixed(2)} × ${((slide.height_px * (slide.mpp_y ?? slide.mpp_x)) / 1000).toFixed(2)} mm)` : ''}`,
    ],
    ['MPP', `${formatMpp(slide)} (${mppSources[slide.mpp_source] ?? slide.mpp_source})`],
    ['Objective power', slide.objective_power ? `${slide.objective_power}×` : 'not recorded'],
    [
      'Patches',
      `${slide.patch_count.toLocaleString('en')}${slide.patch_size_level0_px ? ` of ${slide.patch_size_level0_px} px (level 0)` : ''}`,
    ],
    ['Tissue area', area !== null ? `about ${area.toFixed(2)} mm² (upper bound)` : 'unknown (no MPP)'],
    ...Object.entries(slide.metadata).map(([key, value]): [string, string] => [key, value]),
  ];
  return (
    <section class="slide-facts" aria-label="Slide facts">
      <dl class="facts">
        {facts.map(([term, value]) => (
          <>
            <dt key={`${term}-term`}>{term}</dt>
            <dd key={`${term}-value`}>{value}</dd>
          </>
        ))}
      </dl>
      <h2>Characteristic regions</h2>
      {error && <p class="error">{error}</p>}
      {prototypes.length === 0 && <p class="hint">None yet (computed when ingestion finishes).</p>}
      <ul class="prototype-list">
        {prototypes.map((prototype) => {
          const patch = prototype.representative_patches[0];
          if (!patch) return null;
          const region = squareRegion(slide.id, patch.x_level0, patch.y_level0, patch.size_level0_px);
          return (
            <li key={prototype.id}>
              <button
                type="button"
                class="evidence-button"
                onClick={() => state.showRegion(region)}
                onMouseEnter={() => state.highlight(region)}
                onMouseLeave={() => state.highlight(null)}
              >
                <RegionCrop path={patch.thumbnail_url} label={`Region type ${prototype.cluster_index + 1}`} />
                <span class="evidence-text">
                  <span class="evidence-head">Region type {prototype.cluster_index + 1}</span>
                  <span class="evidence-summary">
                    {(prototype.weight * 100).toFixed(0)} % of the tissue patches; at level-0 (
                    {patch.x_level0.toLocaleString('en')}, {patch.y_level0.toLocaleString('en')})
                  </span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      <h2>Similar slides</h2>
      {similar.length === 0 && <p class="hint">No other slides to compare with.</p>}
      <ul class="similar-list">
        {similar.map(
          (hit) =>
            hit.kind === 'slide' && (
              <li key={hit.id}>
                <a href={`#/slides/${hit.id}`}>{hit.name}</a> · similarity {hit.score.toFixed(2)} · {hit.patch_count}{' '}
                patches
              </li>
            ),
        )}
      </ul>
    </section>
  );
}

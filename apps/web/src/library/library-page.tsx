import { useState } from 'preact/hooks';
import { api, type SearchFilters } from '../api/api-client.ts';
import type { SearchHit } from '../api/api-types.ts';
import { RegionCrop } from '../chat/evidence-list.tsx';
import { useAsyncAction } from '../shell/use-async-action.ts';
import { CaptionImport } from './caption-import.tsx';
import { inputValue } from '../shell/form-values.ts';

/** A link that opens a slide at a level-0 region (the slide view reads it from the hash). */
export const regionLink = (slideId: string, xLevel0: number, yLevel0: number, sizeLevel0Px: number) =>
  `#/slides/${slideId}?x=${xLevel0}&y=${yLevel0}&size=${sizeLevel0Px}`;

/** Search the library and slide patches by text or by an uploaded image; results as a gallery. */
export function LibraryPage() {
  const [queryText, setQueryText] = useState('');
  const [filters, setFilters] = useState<SearchFilters>({ kind: 'all' });
  const [images, setImages] = useState<SearchHit[] | null>(null);
  const [captions, setCaptions] = useState<SearchHit[] | null>(null);
  const { busy, error, run: runAction } = useAsyncAction();

  const { kind, ...captionFilters } = filters;
  async function run(search: () => Promise<[SearchHit[], SearchHit[]]>) {
    const found = await runAction(search);
    if (!found) return;
    setImages(found[0]);
    setCaptions(found[1]);
  }

  const searchText = (event: Event) => {
    event.preventDefault();
    if (!queryText.trim()) return;
    void run(async () => {
      const [imagePage, captionPage] = await Promise.all([
        api.searchByText(queryText.trim(), filters),
        kind === 'patch' ? null : api.searchCaptionsByText(queryText.trim(), captionFilters),
      ]);
      return [imagePage.data, captionPage?.data ?? []];
    });
  };
  const searchImage = (file: File) =>
    run(async () => {
      const [imagePage, captionPage] = await Promise.all([
        api.searchByImage(file, 'images', filters),
        api.searchByImage(file, 'captions', captionFilters),
      ]);
      return [imagePage.data, captionPage.data];
    });

  const filterInput = (key: 'source' | 'organ' | 'stain', label: string) => (
    <label>
      {label}{' '}
      <input
        type="text"
        value={filters[key] ?? ''}
        onInput={(event) => setFilters({ ...filters, [key]: inputValue(event) })}
      />
    </label>
  );

  return (
    <main class="page library-page">
      <h1>Library search</h1>
      <form class="search-form" onSubmit={searchText}>
        <input
          type="search"
          aria-label="Search text"
          placeholder="Describe what to find, e.g. “glands with mucin”"
          value={queryText}
          onInput={(event) => setQueryText(inputValue(event))}
        />
        <button type="submit" disabled={busy || !queryText.trim()}>
          Search
        </button>
        <label class="file-button">
          Search by image…
          <input
            type="file"
            accept="image/*"
            class="visually-hidden"
            data-testid="search-image-input"
            onChange={(event) => {
              const input = event.target as HTMLInputElement;
              if (input.files?.[0]) void searchImage(input.files[0]);
              input.value = '';
            }}
          />
        </label>
      </form>
      <div class="filters" role="group" aria-label="Filters">
        <label>
          Results{' '}
          <select
            value={kind}
            onChange={(event) => setFilters({ ...filters, kind: inputValue(event) as SearchFilters['kind'] })}
          >
            <option value="all">slide patches and library images</option>
            <option value="patch">slide patches only</option>
            <option value="pair">library images only</option>
          </select>
        </label>
        {filterInput('source', 'Source')}
        {filterInput('organ', 'Organ')}
        {filterInput('stain', 'Stain')}
      </div>
      {busy && <p>Searching…</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {images && (
        <section aria-label="Images">
          <h2>Images ({images.length})</h2>
          {images.length === 0 && <p class="hint">Nothing found.</p>}
          <ul class="gallery" data-testid="image-results">
            {images.map((hit) => (
              <ResultCard hit={hit} key={`${hit.kind}-${hit.id}`} />
            ))}
          </ul>
        </section>
      )}
      {captions && captions.length > 0 && (
        <section aria-label="Captions">
          <h2>Captions ({captions.length})</h2>
          <ul class="caption-results" data-testid="caption-results">
            {captions.map(
              (hit) =>
                hit.kind === 'pair' && (
                  <li key={hit.id}>
                    “{hit.caption}” <span class="score">score {hit.score.toFixed(2)}</span>
                    {hit.source ? <span class="hint"> · {hit.source}</span> : null}
                  </li>
                ),
            )}
          </ul>
        </section>
      )}
      <CaptionImport />
    </main>
  );
}

function ResultCard({ hit }: { hit: SearchHit }) {
  if (hit.kind === 'patch') {
    return (
      <li class="result-card" data-kind="patch">
        <a
          href={regionLink(hit.slide_id, hit.x_level0, hit.y_level0, hit.size_level0_px)}
          title="Open the slide at this region"
        >
          <RegionCrop
            path={api.regionPath(hit.slide_id, hit.x_level0, hit.y_level0, hit.size_level0_px)}
            label={`Region of ${hit.slide_name}`}
          />
          <span class="result-caption">
            {hit.slide_name} at ({hit.x_level0.toLocaleString('en')}, {hit.y_level0.toLocaleString('en')})
          </span>
          <span class="score">score {hit.score.toFixed(2)}</span>
        </a>
      </li>
    );
  }
  if (hit.kind === 'pair') {
    return (
      <li class="result-card" data-kind="pair">
        <RegionCrop path={hit.has_image ? api.pairImagePath(hit.id) : null} label={`Library picture: ${hit.caption}`} />
        <span class="result-caption">“{hit.caption}”</span>
        <span class="score">
          score {hit.score.toFixed(2)}
          {hit.source ? ` · ${hit.source}` : ''}
        </span>
      </li>
    );
  }
  return (
    <li class="result-card" data-kind="slide">
      <a href={`#/slides/${hit.id}`}>{hit.name}</a> <span class="score">score {hit.score.toFixed(2)}</span>
    </li>
  );
}

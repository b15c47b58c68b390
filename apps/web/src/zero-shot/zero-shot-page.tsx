import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import { describeError } from '../api/api-error.ts';
import type { Classification, LabelSet, Slide } from '../api/api-types.ts';
import { inputValue } from '../shell/form-values.ts';
import { useAsyncAction } from '../shell/use-async-action.ts';
import { ProbabilityBars } from './probability-bars.tsx';

/** Zero-shot classification: a label set, then an uploaded image or a whole slide; probabilities as bars. */
export function ZeroShotPage({ demoWarning }: { demoWarning: string | null }) {
  const [labelSets, setLabelSets] = useState<LabelSet[]>([]);
  const [slides, setSlides] = useState<Slide[]>([]);
  const [labelSetId, setLabelSetId] = useState('');
  const [slideId, setSlideId] = useState('');
  const [result, setResult] = useState<{ input: string; classification: Classification } | null>(null);
  const { busy, error, setError, run } = useAsyncAction();

  useEffect(() => {
    api.labelSets().then(
      (sets) => {
        setLabelSets(sets);
        setLabelSetId((current) => current || sets[0]?.id || '');
      },
      (failure: unknown) => setError(describeError(failure)),
    );
    api.listSlides().then(
      (list) => {
        const ready = list.filter((slide) => slide.status === 'ready');
        setSlides(ready);
        setSlideId((current) => current || ready[0]?.id || '');
      },
      () => {},
    );
  }, []);

  async function classify(input: string, request: () => Promise<Classification>) {
    const classification = await run(request);
    if (classification) setResult({ input, classification });
  }

  return (
    <main class="page zero-shot-page">
      <h1>Zero-shot classification</h1>
      {demoWarning && (
        <p class="demo-warning" role="note">
          {demoWarning}
        </p>
      )}
      <div class="inline-form">
        <label>
          Label set{' '}
          <select value={labelSetId} onChange={(event) => setLabelSetId(inputValue(event))}>
            {labelSets.map((labelSet) => (
              <option value={labelSet.id} key={labelSet.id}>
                {labelSet.name}
              </option>
            ))}
          </select>
        </label>
        <label class="file-button">
          Classify an image…
          <input
            type="file"
            accept="image/*"
            class="visually-hidden"
            onChange={(event) => {
              const input = event.target as HTMLInputElement;
              const file = input.files?.[0];
              if (file) void classify(file.name, () => api.classifyImage(file, labelSetId));
              input.value = '';
            }}
          />
        </label>
        <label>
          or a slide{' '}
          <select value={slideId} onChange={(event) => setSlideId(inputValue(event))}>
            {slides.map((slide) => (
              <option value={slide.id} key={slide.id}>
                {slide.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          disabled={busy || !slideId || !labelSetId}
          onClick={() =>
            classify(slides.find((slide) => slide.id === slideId)?.name ?? slideId, () =>
              api.classifySlide(slideId, labelSetId),
            )
          }
        >
          Classify slide
        </button>
      </div>
      {busy && <p>Classifying…</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <section aria-label="Probabilities">
          <h2>
            {result.input}: {result.classification.predicted.name} (
            {(result.classification.predicted.probability * 100).toFixed(1)} %)
          </h2>
          <ProbabilityBars classes={result.classification.classes} />
        </section>
      )}
    </main>
  );
}

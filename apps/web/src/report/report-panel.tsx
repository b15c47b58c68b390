import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import { describeError } from '../api/api-error.ts';
import type { EvidenceItem, ReportDraft, ReportTemplate } from '../api/api-types.ts';
import { EvidenceList } from '../chat/evidence-list.tsx';
import { useAsyncAction } from '../shell/use-async-action.ts';
import { evidenceRegion } from '../state/evidence-region.ts';
import { downloadFile } from './download-file.ts';
import { inputValue } from '../shell/form-values.ts';
import type { SlidePanelProps } from '../slide-view/slide-panel-props.ts';

export const notAssessable = 'not assessable from the available evidence';

/** Text with the "not assessable" phrase set apart, so it never reads as a finding. */
function Assessed({ text }: { text: string }) {
  const index = text.toLowerCase().indexOf(notAssessable);
  if (index < 0) return <>{text}</>;
  return (
    <>
      {text.slice(0, index)}
      <span class="not-assessable">{text.slice(index, index + notAssessable.length)}</span>
      {text.slice(index + notAssessable.length)}
    </>
  );
}

const references = (numbers: number[]) =>
  numbers.length ? <span class="references"> [{numbers.join(', ')}]</span> : null;

/** Draft a structured report (template, clinical context), show fields and markdown, copy or download it. */
export function ReportPanel({ slide, state, demoWarning }: SlidePanelProps) {
  const [templates, setTemplates] = useState<ReportTemplate[]>([]);
  const [templateId, setTemplateId] = useState('');
  const [clinicalContext, setClinicalContext] = useState('');
  const [report, setReport] = useState<ReportDraft | null>(null);
  const { busy, error, setError, run } = useAsyncAction();
  const [copied, setCopied] = useState(false);
  const abortRef = useRef<AbortController | null>(null);

  useEffect(() => {
    api.reportTemplates().then(setTemplates, (failure: unknown) => setError(describeError(failure)));
    api.reportsForSlide(slide.id).then(
      (list) => setReport(list[0] ?? null),
      () => {},
    );
    return () => abortRef.current?.abort();
  }, [slide.id]);

  async function draft(event: Event) {
    event.preventDefault();
    const abort = new AbortController();
    abortRef.current = abort;
    const drafted = await run(() => api.draftReport({ slideId: slide.id, templateId, clinicalContext }, abort.signal), {
      quietWhen: () => abort.signal.aborted,
    });
    if (drafted) setReport(drafted);
  }

  const show = (item: EvidenceItem) => {
    const region = evidenceRegion(item);
    if (region) state.showRegion(region);
  };
  const hover = (item: EvidenceItem | null) => state.highlight(item ? evidenceRegion(item) : null);

  return (
    <section class="report-panel" aria-label="Report draft">
      {demoWarning && (
        <p class="demo-warning" role="note">
          {demoWarning}
        </p>
      )}
      <form class="report-form" onSubmit={draft}>
        <label>
          Template{' '}
          <select value={templateId} onChange={(event) => setTemplateId(inputValue(event))}>
            <option value="">Automatic (by the slide's organ)</option>
            {templates.map((template) => (
              <option value={template.id} key={template.id}>
                {template.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Clinical context (optional)
          <textarea
            rows={2}
            maxLength={2000}
            value={clinicalContext}
            placeholder="History, clinical question…"
            onInput={(event) => setClinicalContext(inputValue(event))}
          />
        </label>
        <button type="submit" disabled={busy || slide.status !== 'ready'}>
          {busy ? 'Drafting…' : 'Draft report'}
        </button>
        {busy && (
          <button type="button" class="secondary" onClick={() => abortRef.current?.abort()}>
            Cancel
          </button>
        )}
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {report && (
        <article class="report" data-testid="report">
          {report.notice && (
            <p class="draft-notice" role="note">
              {report.notice}
            </p>
          )}
          {(report.warnings ?? [])
            .filter((warning) => !/DEMO MODELS/.test(warning))
            .map((warning) => (
              <p class="warning" key={warning}>
                {warning}
              </p>
            ))}
          <div class="report-actions">
            <button
              type="button"
              class="secondary"
              onClick={async () => {
                await navigator.clipboard.writeText(report.markdown);
                setCopied(true);
                setTimeout(() => setCopied(false), 1500);
              }}
            >
              {copied ? 'Copied' : 'Copy markdown'}
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => downloadFile(`report-${report.id}.md`, report.markdown, 'text/markdown')}
            >
              Download .md
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() =>
                downloadFile(`report-${report.id}.json`, JSON.stringify(report, null, 2), 'application/json')
              }
            >
              Download .json
            </button>
          </div>
          <h2>Specimen</h2>
          <dl class="facts">
            <dt>Site</dt>
            <dd>
              <Assessed text={report.report.specimen.site} />
            </dd>
            <dt>Stain</dt>
            <dd>
              <Assessed text={report.report.specimen.stain} />
            </dd>
            <dt>Material</dt>
            <dd>
              <Assessed text={report.report.specimen.description} />
            </dd>
          </dl>
          <h2>Candidate diagnoses</h2>
          {report.report.candidate_diagnoses.length === 0 ? (
            <p class="not-assessable">{notAssessable}</p>
          ) : (
            <ul>
              {report.report.candidate_diagnoses.map((candidate) => (
                <li key={candidate.diagnosis}>
                  {candidate.diagnosis} — {candidate.confidence} confidence
                  {candidate.probability !== null ? `, p = ${candidate.probability.toFixed(2)}` : ''}
                  {references(candidate.evidence)}
                </li>
              ))}
            </ul>
          )}
          <h2>Microscopic description</h2>
          <p>
            <Assessed text={report.report.microscopic_description} />
          </p>
          <h2>Key findings</h2>
          <ul>
            {report.report.key_findings.map((finding) => (
              <li key={finding.finding}>
                <Assessed text={finding.finding} />
                {references(finding.evidence)}
              </li>
            ))}
          </ul>
          <h2>Measurements</h2>
          <table class="measurements">
            <tbody>
              {report.report.measurements.map((measurement) => (
                <tr key={measurement.name}>
                  <th scope="row">{measurement.name}</th>
                  <td>
                    <Assessed text={measurement.value} />
                    {references(measurement.evidence)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Limitations</h2>
          <ul>
            {report.report.limitations.map((limitation) => (
              <li key={limitation}>
                <Assessed text={limitation} />
              </li>
            ))}
          </ul>
          <details>
            <summary>Markdown</summary>
            <pre class="markdown">{report.markdown}</pre>
          </details>
          <h2>Evidence</h2>
          <EvidenceList evidence={report.evidence} activeN={null} onShow={show} onHover={hover} />
        </article>
      )}
    </section>
  );
}

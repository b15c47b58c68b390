import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import { describeError } from '../api/api-error.ts';
import type { PairImport } from '../api/api-types.ts';
import { ProgressBar } from '../slides/progress-bar.tsx';

/** Import a caption file (CSV, JSONL, JSON or id⇥caption TXT), optionally with its images; progress and rejected rows.
 *
 */
export function CaptionImport() {
  const [file, setFile] = useState<File | null>(null);
  const [images, setImages] = useState<File[]>([]);
  const [uploadFraction, setUploadFraction] = useState<number | null>(null);
  const [job, setJob] = useState<PairImport | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!job || job.status === 'finished' || job.status === 'failed') return;
    const timer = window.setTimeout(
      () => api.pairImport(job.id).then(setJob, (failure: unknown) => setError(describeError(failure))),
      1000,
    );
    return () => window.clearTimeout(timer);
  }, [job]);

  async function start(event: Event) {
    event.preventDefault();
    if (!file) return;
    setError(null);
    setJob(null);
    try {
      setUploadFraction(0);
      setJob(await api.importCaptionFile(file, images, setUploadFraction));
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setUploadFraction(null);
    }
  }

  return (
    <section class="caption-import" aria-label="Import captions">
      <h2>Import a caption file</h2>
      <form class="inline-form" onSubmit={start}>
        <label>
          Caption file{' '}
          <input
            type="file"
            accept=".csv,.jsonl,.json,.txt,.tsv"
            onChange={(event) => setFile((event.target as HTMLInputElement).files?.[0] ?? null)}
          />
        </label>
        <label>
          Images (optional){' '}
          <input
            type="file"
            accept="image/*"
            multiple
            onChange={(event) => setImages([...((event.target as HTMLInputElement).files ?? [])])}
          />
        </label>
        <button type="submit" disabled={!file || uploadFraction !== null}>
          Import
        </button>
      </form>
      {uploadFraction !== null && (
        <ProgressBar fraction={uploadFraction} label={`uploading ${(uploadFraction * 100).toFixed(0)} %`} />
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {job && (
        <div class="import-status">
          <ProgressBar
            fraction={job.status === 'finished' ? 1 : (job.progress?.fraction ?? null)}
            label={`${job.status}: ${job.counts.rows_read.toLocaleString('en')} rows read, ${job.counts.imported.toLocaleString('en')} imported, ${job.counts.text_only} text only, ${job.counts.duplicates} duplicates, ${job.counts.rejected} rejected`}
          />
          {job.failure_reason && <p class="error">{job.failure_reason}</p>}
          {(job.rejected_sample ?? []).length > 0 && (
            <table class="rejected-rows">
              <caption>Rejected rows (first {job.rejected_sample!.length})</caption>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Code</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {job.rejected_sample!.map((row) => (
                  <tr key={row.row}>
                    <td>{row.row}</td>
                    <td>{row.code}</td>
                    <td>{row.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import { describeError } from '../api/api-error.ts';
import type { ServerStatus } from '../api/api-types.ts';

/** Models (and whether they are demo models), chat queue, ingestion jobs and workers; refreshed every 2 s. */
export function StatusPage() {
  const [status, setStatus] = useState<ServerStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let timer: number | undefined;
    const load = () =>
      api
        .status()
        .then(
          (loaded) => {
            setStatus(loaded);
            setError(null);
          },
          (failure: unknown) => setError(describeError(failure)),
        )
        .finally(() => {
          timer = window.setTimeout(load, 2000);
        });
    void load();
    return () => window.clearTimeout(timer);
  }, []);
  return (
    <main class="page status-page">
      <h1>Status</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {status && (
        <>
          {status.demo_warning && (
            <p class="demo-warning" role="note">
              {status.demo_warning}
            </p>
          )}
          <h2>Models</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Task</th>
                <th scope="col">Runs</th>
                <th scope="col">Demo model</th>
              </tr>
            </thead>
            <tbody>
              {status.models.map((model) => (
                <tr key={model.id}>
                  <td>{model.id}</td>
                  <td>{model.task}</td>
                  <td>{model.provider}</td>
                  <td>{model.demo ? 'yes (not for real use)' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Chat queue</h2>
          <p>
            {status.chat_queue.running} running (of {status.chat_queue.concurrency} at once),{' '}
            {status.chat_queue.waiting} waiting (of at most {status.chat_queue.max_waiting}),{' '}
            {status.chat_queue.rejected} turned away since start.
          </p>
          <h2>Ingestion</h2>
          <p>
            Slides: {status.ingestion.slides.queued} queued, {status.ingestion.slides.running} running,{' '}
            {status.ingestion.slides.ready} ready, {status.ingestion.slides.failed} failed. Encoder:{' '}
            {status.ingestion.encoder}.
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Worker (this server)</th>
                <th scope="col">Working on</th>
              </tr>
            </thead>
            <tbody>
              {status.ingestion.workers.map((worker) => (
                <tr key={worker.id}>
                  <td>{worker.id}</td>
                  <td>{worker.slide_id ? <a href={`#/slides/${worker.slide_id}`}>{worker.slide_name}</a> : 'idle'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {status.ingestion.other_workers_running > 0 && (
            <p>{status.ingestion.other_workers_running} slide(s) are being ingested by other worker processes.</p>
          )}
        </>
      )}
    </main>
  );
}

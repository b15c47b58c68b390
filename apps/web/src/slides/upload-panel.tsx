import { useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import { describeError } from '../api/api-error.ts';
import { formatBytes } from './format-slide.ts';
import { MppInput } from './mpp-input.tsx';
import { ProgressBar } from './progress-bar.tsx';
import { inputValue } from '../shell/form-values.ts';

interface Upload {
  name: string;
  sizeBytes: number;
  fraction: number;
  outcome: string | null;
  failed: boolean;
}

/** Add slides: drop files or pick them (with upload progress), or register a path inside SLIDE_DIRS. */
export function UploadPanel({ onAdded }: { onAdded: () => void }) {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [serverPath, setServerPath] = useState('');
  const [mppText, setMppText] = useState('');
  const [message, setMessage] = useState<{ text: string; failed: boolean } | null>(null);

  const mpp = mppText.trim() ? Number(mppText) : undefined;
  const mppInvalid = mpp !== undefined && !(mpp > 0);

  async function upload(files: File[]) {
    for (const file of files) {
      const entry: Upload = { name: file.name, sizeBytes: file.size, fraction: 0, outcome: null, failed: false };
      const change = (update: Partial<Upload>) => {
        Object.assign(entry, update);
        setUploads((list) => [...list.filter((other) => other !== entry), entry]);
      };
      change({});
      try {
        const slide = await api.uploadSlide(file, { mpp }, (fraction) => change({ fraction }));
        change({ fraction: 1, outcome: slide.duplicate ? 'already ingested (same bytes)' : 'queued for ingestion' });
        onAdded();
      } catch (error) {
        change({ outcome: describeError(error), failed: true });
      }
    }
  }

  async function register(event: Event) {
    event.preventDefault();
    try {
      const slide = await api.registerSlidePath(serverPath.trim(), { mpp });
      setMessage({ text: `${slide.name}: ${slide.status}`, failed: false });
      setServerPath('');
      onAdded();
    } catch (error) {
      setMessage({ text: describeError(error), failed: true });
    }
  }

  return (
    <section class="upload-panel" aria-label="Add slides">
      <label
        class={`drop-zone${dragging ? ' drop-zone-active' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          void upload([...(event.dataTransfer?.files ?? [])]);
        }}
      >
        <strong>Drop slide files here</strong> or <span class="link-like">choose files</span> (SVS, TIFF, NDPI, MRXS as
        .zip, DICOM, PNG/JPEG…)
        <input
          type="file"
          multiple
          class="visually-hidden"
          data-testid="slide-file-input"
          onChange={(event) => {
            const input = event.target as HTMLInputElement;
            void upload([...(input.files ?? [])]);
            input.value = '';
          }}
        />
      </label>
      <div class="upload-options">
        <MppInput label="MPP (µm/px) if the file has none" value={mppText} onChange={setMppText} />
        <form class="inline-form" onSubmit={register}>
          <label>
            Server path (inside SLIDE_DIRS){' '}
            <input
              type="text"
              value={serverPath}
              onInput={(event) => setServerPath(inputValue(event))}
              placeholder="/slides/case-12.svs"
            />
          </label>
          <button type="submit" disabled={!serverPath.trim() || mppInvalid}>
            Register
          </button>
        </form>
      </div>
      {message && (
        <p class={message.failed ? 'error' : 'ok'} role="status">
          {message.text}
        </p>
      )}
      {uploads.length > 0 && (
        <ul class="upload-list">
          {uploads.map((entry) => (
            <li key={entry.name}>
              {entry.name} ({formatBytes(entry.sizeBytes)}){' '}
              {entry.outcome ? (
                <span class={entry.failed ? 'error' : 'ok'}>{entry.outcome}</span>
              ) : (
                <ProgressBar fraction={entry.fraction} label={`uploading ${(entry.fraction * 100).toFixed(0)} %`} />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

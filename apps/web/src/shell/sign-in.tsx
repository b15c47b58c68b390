import { useState } from 'preact/hooks';
import { apiKey } from '../api/api-key.ts';
import { inputValue } from '../shell/form-values.ts';

/** Shown when the server answers 401: the key is kept in this browser and sent as a bearer token. */
export function SignIn({ onDone }: { onDone: () => void }) {
  const [key, setKey] = useState('');
  return (
    <div class="sign-in" role="dialog" aria-modal="true" aria-labelledby="sign-in-title">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          apiKey.set(key.trim());
          onDone();
          location.reload();
        }}
      >
        <h2 id="sign-in-title">Sign in</h2>
        <p>This PathLens server needs an API key. Ask its administrator for one.</p>
        <label>
          API key{' '}
          <input
            type="password"
            autoComplete="current-password"
            value={key}
            onInput={(event) => setKey(inputValue(event))}
            autoFocus
          />
        </label>
        <button type="submit" disabled={!key.trim()}>
          Sign in
        </button>
      </form>
    </div>
  );
}

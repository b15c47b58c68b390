const storageKey = 'pathlens.apiKey';

type Listener = () => void;
const listeners = new Set<Listener>();

/**
 * The API key the user typed in (kept in this browser's local storage), sent as a bearer token.
 * With no keys configured on the server (the loopback default) none is needed.
 */
export const apiKey = {
  get(): string | null {
    return localStorage.getItem(storageKey);
  },
  set(key: string | null) {
    if (key) localStorage.setItem(storageKey, key);
    else localStorage.removeItem(storageKey);
  },
  /** The server answered 401: the sign-in form should show. */
  requireSignIn() {
    for (const listener of listeners) listener();
  },
  onSignInRequired(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function authorizationHeaders(): Record<string, string> {
  const key = apiKey.get();
  return key ? { authorization: `Bearer ${key}` } : {};
}

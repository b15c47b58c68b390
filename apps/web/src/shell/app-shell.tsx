import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import { apiKey } from '../api/api-key.ts';
import { LibraryPage } from '../library/library-page.tsx';
import { SlideViewPage } from '../slide-view/slide-view-page.tsx';
import { SlideListPage } from '../slides/slide-list-page.tsx';
import { StatusPage } from '../status/status-page.tsx';
import { ZeroShotPage } from '../zero-shot/zero-shot-page.tsx';
import { useHashRoute, type Route } from './hash-route.ts';
import { SignIn } from './sign-in.tsx';

const navigation: [Route['page'], string, string][] = [
  ['slides', '#/', 'Slides'],
  ['library', '#/library', 'Library'],
  ['zero-shot', '#/zero-shot', 'Zero-shot'],
  ['status', '#/status', 'Status'],
];

/** Navigation, the demo-model flag, the sign-in form on a 401, and the current screen. */
export function AppShell() {
  const route = useHashRoute();
  const [signInShown, setSignInShown] = useState(false);
  const [demoWarning, setDemoWarning] = useState<string | null>(null);
  useEffect(() => apiKey.onSignInRequired(() => setSignInShown(true)), []);
  useEffect(() => {
    api.status().then(
      (status) => setDemoWarning(status.demo_warning),
      () => {},
    );
  }, []);
  const current = route.page === 'slide' ? 'slides' : route.page;
  return (
    <>
      <a class="skip-link" href="#content">
        Skip to content
      </a>
      <header class="app-header">
        <a class="brand" href="#/">
          PathLens
        </a>
        <nav aria-label="Main">
          {navigation.map(([page, href, label]) => (
            <a key={page} href={href} aria-current={current === page ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        {demoWarning && (
          <span class="demo-badge" title={demoWarning}>
            demo models
          </span>
        )}
        {apiKey.get() && (
          <button
            type="button"
            class="secondary"
            onClick={() => {
              apiKey.set(null);
              location.reload();
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <div id="content">
        {route.page === 'slides' && <SlideListPage />}
        {route.page === 'slide' && (
          <SlideViewPage slideId={route.slideId} initialRegion={route.region} demoWarning={demoWarning} />
        )}
        {route.page === 'library' && <LibraryPage />}
        {route.page === 'zero-shot' && <ZeroShotPage demoWarning={demoWarning} />}
        {route.page === 'status' && <StatusPage />}
      </div>
      {signInShown && <SignIn onDone={() => setSignInShown(false)} />}
    </>
  );
}

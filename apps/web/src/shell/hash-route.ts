import { useEffect, useState } from 'preact/hooks';
import type { RegionLevel0 } from '../api/api-types.ts';
import { squareRegion } from '../state/evidence-region.ts';

export type Route =
  | { page: 'slides' }
  | { page: 'slide'; slideId: string; region: RegionLevel0 | null }
  | { page: 'library' }
  | { page: 'zero-shot' }
  | { page: 'status' };

/** Screens live in the URL's hash (`#/slides/<id>?x=&y=&size=` opens a slide at a level-0 region). */
export function parseRoute(hash: string): Route {
  const [path = '', queryText = ''] = hash.replace(/^#/, '').split('?');
  const slide = /^\/slides\/([0-9a-f-]{36})$/i.exec(path);
  if (slide) {
    const query = new URLSearchParams(queryText);
    const [x, y, size] = ['x', 'y', 'size'].map((key) => Number(query.get(key) ?? Number.NaN));
    const region =
      Number.isFinite(x) && Number.isFinite(y) && size! > 0 ? squareRegion(slide[1]!, x!, y!, size!) : null;
    return { page: 'slide', slideId: slide[1]!, region };
  }
  if (path === '/library') return { page: 'library' };
  if (path === '/zero-shot') return { page: 'zero-shot' };
  if (path === '/status') return { page: 'status' };
  return { page: 'slides' };
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

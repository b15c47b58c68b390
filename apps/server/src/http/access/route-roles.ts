import type { ApiKeyRole } from '@pathlens/store';

const everyone = ['admin', 'clinician', 'educator', 'service'] as const satisfies readonly ApiKeyRole[];
/** Slides, their pictures and search: people looking at slides. */
const readers = ['admin', 'clinician', 'educator'] as const satisfies readonly ApiKeyRole[];
/** Chat and conversations about patients' slides. */
const clinical = ['admin', 'clinician'] as const satisfies readonly ApiKeyRole[];
/** Ingestion and reports: clinicians and lab systems. */
const clinicalAndService = ['admin', 'clinician', 'service'] as const satisfies readonly ApiKeyRole[];
/** The teaching library. */
const library = ['admin', 'educator'] as const satisfies readonly ApiKeyRole[];
const adminOnly = ['admin'] as const satisfies readonly ApiKeyRole[];

/**
 * The one table of who may call what: `METHOD /path` (hono's pattern) → roles. A /v1 route
 * missing here is refused for every key (and `tests/server/route-roles.test.ts` fails).
 * Roles: admin (keys, deletion, audit, settings, and everything else), clinician (slides,
 * chat, reports), educator (library, search, zero-shot, read-only slides), service (lab
 * systems: ingestion and reports).
 */
export const routeRoles: Record<string, readonly ApiKeyRole[]> = {
  'GET /v1/models': everyone,

  'POST /v1/slides': clinicalAndService,
  'GET /v1/slides': [...readers, 'service'],
  'GET /v1/slides/:id': [...readers, 'service'],
  'DELETE /v1/slides/:id': adminOnly,
  'POST /v1/slides/:id/reingest': clinicalAndService,
  'GET /v1/slides/:id/dzi': readers,
  'GET /v1/slides/:id/dzi_files/:level/:tile': readers,
  'GET /v1/slides/:id/thumbnail.jpg': readers,
  'GET /v1/slides/:id/tissue-mask.png': readers,
  'GET /v1/slides/:id/tissue.geojson': readers,
  'GET /v1/slides/:id/associated/:file': readers,
  'GET /v1/slides/:id/region.jpg': readers,
  'GET /v1/slides/:id/heatmap': readers,
  'GET /v1/slides/:id/conversations': clinical,
  'GET /v1/slides/:id/prototypes': readers,
  'POST /v1/slides/dicomweb': clinicalAndService,
  'GET /v1/dicomweb': clinicalAndService,
  'GET /v1/dicomweb/:endpoint/series': clinicalAndService,

  'GET /v1/search': readers,
  'POST /v1/search': readers,
  'GET /v1/search/captions': readers,
  'POST /v1/search/captions': readers,
  'POST /v1/search/image': readers,
  'GET /v1/search/similar-slides': readers,
  'POST /v1/embeddings': readers,
  'POST /v1/classify': readers,
  'GET /v1/label-sets': readers,
  'GET /v1/label-sets/:id': readers,

  'POST /v1/pairs': library,
  'GET /v1/pairs/:id': readers,
  'GET /v1/pairs/:id/image': readers,
  'DELETE /v1/pairs/:id': adminOnly,
  'POST /v1/pairs/import': library,
  'GET /v1/pairs/imports': library,
  'GET /v1/pairs/imports/:id': library,
  'GET /v1/pairs/imports/:id/rejected': library,

  'POST /v1/chat/completions': clinical,
  'GET /v1/conversations/:id': clinical,
  'DELETE /v1/conversations/:id': adminOnly,

  'POST /v1/reports': clinicalAndService,
  'GET /v1/reports/:id': clinicalAndService,
  'DELETE /v1/reports/:id': adminOnly,
  'GET /v1/slides/:id/reports': clinicalAndService,
  'GET /v1/report-templates': clinicalAndService,

  /** Models (and whether they are demo models), queue depths, ingestion counts: every signed-in role. */
  'GET /v1/status': everyone,
  'GET /v1/audit': adminOnly,
  'POST /v1/admin/purge': adminOnly,
  'GET /v1/keys': adminOnly,
  'POST /v1/keys': adminOnly,
  'DELETE /v1/keys/:id': adminOnly,
};

/** Expensive routes, rate-limited per key; the value names the kind (one budget per kind). */
export const rateLimitedRoutes: Record<string, 'chat' | 'report' | 'ingestion' | 'import'> = {
  'POST /v1/chat/completions': 'chat',
  'POST /v1/reports': 'report',
  'POST /v1/slides': 'ingestion',
  'POST /v1/slides/:id/reingest': 'ingestion',
  'POST /v1/slides/dicomweb': 'ingestion',
  'POST /v1/pairs/import': 'import',
};

interface CompiledRoute {
  key: string;
  method: string;
  pattern: RegExp;
  /** Fewer parameters first, so `/v1/search/captions` wins over a `:id` pattern. */
  parameterCount: number;
}

const compiled: CompiledRoute[] = Object.keys(routeRoles)
  .map((key) => {
    const [method, routePath] = key.split(' ') as [string, string];
    const source = routePath
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    return { key, method, pattern: new RegExp(`^${source}$`), parameterCount: (routePath.match(/:/g) ?? []).length };
  })
  .sort((a, b) => a.parameterCount - b.parameterCount);

/** The table entry (`METHOD /pattern`) a request falls under, or null (then it is refused). HEAD counts as GET. */
export function matchRoute(method: string, requestPath: string): string | null {
  const wanted = method === 'HEAD' ? 'GET' : method;
  return compiled.find((route) => route.method === wanted && route.pattern.test(requestPath))?.key ?? null;
}

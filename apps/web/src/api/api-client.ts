import { apiErrorFrom, ApiError } from './api-error.ts';
import { apiKey, authorizationHeaders } from './api-key.ts';
import type {
  ChatCompletionDetails,
  Classification,
  Conversation,
  ConversationSummary,
  HeatmapImage,
  LabelSet,
  PairImport,
  Prototype,
  ReportDraft,
  ReportTemplate,
  SearchPage,
  ServerStatus,
  Slide,
} from './api-types.ts';
import { serverSentData } from './server-sent-events.ts';

/**
 * Every call the app makes to the server, in one module: components never build URLs. The
 * app is one more client of `/v1`, with the same shapes a lab system uses.
 */

interface List<T> {
  data: T[];
}

type Query = Record<string, string | number | boolean | undefined>;

function withQuery(path: string, query: Query = {}): string {
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') parameters.set(key, String(value));
  const text = parameters.toString();
  return text ? `${path}?${text}` : path;
}

async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(path, {
    ...init,
    headers: { ...authorizationHeaders(), ...(init.headers as Record<string, string> | undefined) },
  });
  if (response.ok) return response;
  const body = await response.json().catch(() => null);
  if (response.status === 401) apiKey.requireSignIn();
  throw apiErrorFrom(response.status, body);
}

async function getJson<T>(path: string, query?: Query): Promise<T> {
  return (await send(withQuery(path, query))).json() as Promise<T>;
}

async function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const response = await send(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  return response.json() as Promise<T>;
}

async function postForm<T>(path: string, form: FormData): Promise<T> {
  return (await send(path, { method: 'POST', body: form })).json() as Promise<T>;
}

/** POST a form with upload progress (fetch cannot report it): 0–1 as bytes go out. */
function postFormWithProgress<T>(path: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', path);
    for (const [name, value] of Object.entries(authorizationHeaders())) request.setRequestHeader(name, value);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener('load', () => {
      let body: unknown = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // not JSON: reported below by status
      }
      if (request.status >= 200 && request.status < 300) resolve(body as T);
      else {
        if (request.status === 401) apiKey.requireSignIn();
        reject(apiErrorFrom(request.status, body));
      }
    });
    request.addEventListener('error', () =>
      reject(new ApiError(0, 'network_error', 'The upload was interrupted (network error). Try again.')),
    );
    request.send(form);
  });
}

const objectUrls = new Map<string, Promise<string>>();

/** An image the API serves, as a `blob:` URL fetched with the API key (so `<img>` needs no credentials). */
export function imageObjectUrl(path: string): Promise<string> {
  let url = objectUrls.get(path);
  if (!url) {
    url = send(path).then(async (response) => URL.createObjectURL(await response.blob()));
    url.catch(() => objectUrls.delete(path));
    objectUrls.set(path, url);
  }
  return url;
}

/** OpenSeadragon's Deep Zoom tile source for a slide, from its descriptor (`/v1/slides/:id/dzi`). */
export async function deepZoomTileSource(slideId: string) {
  const xml = await (await send(`/v1/slides/${slideId}/dzi`)).text();
  const image = new DOMParser().parseFromString(xml, 'application/xml').documentElement;
  const size = image.getElementsByTagName('Size')[0];
  return {
    Image: {
      xmlns: 'http://schemas.microsoft.com/deepzoom/2008',
      Url: `/v1/slides/${slideId}/dzi_files/`,
      Format: image.getAttribute('Format') ?? 'jpeg',
      Overlap: image.getAttribute('Overlap') ?? '1',
      TileSize: image.getAttribute('TileSize') ?? '254',
      Size: { Width: size?.getAttribute('Width') ?? '0', Height: size?.getAttribute('Height') ?? '0' },
    },
  };
}

export const api = {
  listSlides: () => getJson<List<Slide>>('/v1/slides').then((list) => list.data),
  getSlide: (slideId: string) => getJson<Slide>(`/v1/slides/${slideId}`),
  uploadSlide(file: File, fields: { mpp?: number; tileAtLevel0?: boolean }, onProgress: (fraction: number) => void) {
    const form = new FormData();
    form.append('file', file, file.name);
    if (fields.mpp !== undefined) form.append('mpp', String(fields.mpp));
    if (fields.tileAtLevel0) form.append('tile_at_level0', 'true');
    return postFormWithProgress<Slide & { duplicate: boolean }>('/v1/slides', form, onProgress);
  },
  registerSlidePath: (path: string, fields: { mpp?: number; tileAtLevel0?: boolean }) =>
    postJson<Slide>('/v1/slides', {
      path,
      ...(fields.mpp !== undefined ? { mpp: fields.mpp } : {}),
      ...(fields.tileAtLevel0 ? { tile_at_level0: true } : {}),
    }),
  reingestSlide: (slideId: string, options: { mpp?: number; targetMpp?: number; tileAtLevel0?: boolean }) =>
    postJson<Slide>(`/v1/slides/${slideId}/reingest`, {
      mpp: options.mpp,
      target_mpp: options.targetMpp,
      tile_at_level0: options.tileAtLevel0,
    }),
  deleteSlide: async (slideId: string) =>
    (await send(`/v1/slides/${slideId}`, { method: 'DELETE' })).json() as Promise<{ deleted: Record<string, number> }>,
  tissueMaskUrl: (slideId: string) => imageObjectUrl(`/v1/slides/${slideId}/tissue-mask.png?max_size_px=2048`),
  regionImageUrl: (thumbnailPath: string) => imageObjectUrl(thumbnailPath),
  pairImagePath: (pairId: string) => `/v1/pairs/${pairId}/image`,
  regionPath: (slideId: string, xLevel0: number, yLevel0: number, sizeLevel0Px: number) =>
    `/v1/slides/${slideId}/region.jpg?x=${xLevel0}&y=${yLevel0}&size=${sizeLevel0Px}`,
  async heatmap(slideId: string, queryText: string): Promise<HeatmapImage> {
    const response = await send(
      withQuery(`/v1/slides/${slideId}/heatmap`, { q: queryText, format: 'png', max_size_px: 2048, opacity: 0.6 }),
    );
    return {
      url: URL.createObjectURL(await response.blob()),
      scoreMin: Number(response.headers.get('x-heatmap-score-min')),
      scoreMax: Number(response.headers.get('x-heatmap-score-max')),
    };
  },
  prototypes: (slideId: string) =>
    getJson<List<Prototype>>(`/v1/slides/${slideId}/prototypes`).then((list) => list.data),
  similarSlides: (slideId: string) => getJson<SearchPage>('/v1/search/similar-slides', { slide_id: slideId, k: 5 }),

  /**
   * Ask about a slide; `onText` gets the answer token by token. Aborting `signal` closes the
   * stream, which cancels the generation on the server.
   */
  async streamChat(request: {
    slideId: string;
    conversationId: string | null;
    messages: { role: string; content: string }[];
    signal: AbortSignal;
    onText: (text: string) => void;
  }): Promise<ChatCompletionDetails | null> {
    const response = await send('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      signal: request.signal,
      body: JSON.stringify({
        model: 'pathlens',
        stream: true,
        max_tokens: 256,
        slide_id: request.slideId,
        ...(request.conversationId ? { conversation_id: request.conversationId } : {}),
        messages: request.messages,
      }),
    });
    let details: ChatCompletionDetails | null = null;
    for await (const data of serverSentData(response.body!)) {
      const chunk = JSON.parse(data) as {
        error?: unknown;
        choices?: { delta?: { content?: string }; finish_reason?: string | null }[];
      } & Partial<ChatCompletionDetails>;
      if (chunk.error) throw apiErrorFrom(500, chunk);
      const choice = chunk.choices?.[0];
      if (choice?.delta?.content) request.onText(choice.delta.content);
      if (choice?.finish_reason) details = chunk as ChatCompletionDetails;
    }
    return details;
  },
  conversationsForSlide: (slideId: string) =>
    getJson<List<ConversationSummary>>(`/v1/slides/${slideId}/conversations`).then((list) => list.data),
  conversation: (conversationId: string) => getJson<Conversation>(`/v1/conversations/${conversationId}`),

  reportTemplates: () => getJson<List<ReportTemplate>>('/v1/report-templates').then((list) => list.data),
  draftReport: (request: { slideId: string; templateId?: string; clinicalContext?: string }, signal?: AbortSignal) =>
    postJson<ReportDraft>(
      '/v1/reports',
      {
        slide_id: request.slideId,
        template_id: request.templateId || undefined,
        clinical_context: request.clinicalContext || undefined,
      },
      signal,
    ),
  reportsForSlide: (slideId: string) =>
    getJson<List<ReportDraft>>(`/v1/slides/${slideId}/reports`).then((list) => list.data),

  searchByText: (queryText: string, filters: SearchFilters) =>
    getJson<SearchPage>('/v1/search', { q: queryText, k: 24, ...filters }),
  searchCaptionsByText: (queryText: string, filters: SearchFilters) =>
    getJson<SearchPage>('/v1/search/captions', { q: queryText, k: 12, ...filters }),
  searchByImage(image: File, target: 'images' | 'captions', filters: SearchFilters) {
    const form = new FormData();
    form.append('image', image, image.name);
    form.append('target', target);
    form.append('k', target === 'images' ? '24' : '12');
    for (const [key, value] of Object.entries(filters)) if (value) form.append(key, value);
    return postForm<SearchPage>('/v1/search/image', form);
  },
  importCaptionFile(file: File, images: File[], onProgress: (fraction: number) => void) {
    const form = new FormData();
    form.append('file', file, file.name);
    for (const image of images) form.append('images', image, image.webkitRelativePath || image.name);
    if (images.length === 0) form.append('text_only', 'true');
    return postFormWithProgress<PairImport>('/v1/pairs/import', form, onProgress);
  },
  pairImport: (importId: string) => getJson<PairImport>(`/v1/pairs/imports/${importId}`),

  labelSets: () => getJson<List<LabelSet>>('/v1/label-sets').then((list) => list.data),
  classifyImage(image: File, labelSetId: string) {
    const form = new FormData();
    form.append('image', image, image.name);
    form.append('label_set', labelSetId);
    return postForm<Classification>('/v1/classify', form);
  },
  classifySlide: (slideId: string, labelSetId: string) =>
    postJson<Classification>('/v1/classify', { slide_id: slideId, label_set: labelSetId }),

  status: () => getJson<ServerStatus>('/v1/status'),
};

export interface SearchFilters {
  source?: string;
  organ?: string;
  stain?: string;
  kind?: 'all' | 'patch' | 'pair';
}

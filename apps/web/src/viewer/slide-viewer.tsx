import OpenSeadragon from 'openseadragon';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, deepZoomTileSource } from '../api/api-client.ts';
import { describeError } from '../api/api-error.ts';
import { apiKey, authorizationHeaders } from '../api/api-key.ts';
import type { RegionLevel0, Slide } from '../api/api-types.ts';
import { useViewerState, type ViewerState } from '../state/viewer-state.ts';
import { scaleBar } from './scale-bar.ts';

/** Margin around a region brought into view, as a share of its size on each side. */
const regionMargin = 0.25;

/**
 * The deep-zoom viewer (OpenSeadragon on the slide's Deep Zoom tiles): navigator, scale bar from
 * the slide's MPP, tissue-mask and heatmap overlays, outlines of cited and hovered regions. It
 * follows `state`; the container's `data-centre-level0` says where the view is (level-0 pixels).
 */
export function SlideViewer({ slide, state }: { slide: Slide; state: ViewerState }) {
  const containerRef = useRef<HTMLDivElement>(null);
  const viewerRef = useRef<OpenSeadragon.Viewer | null>(null);
  const [ready, setReady] = useState(false);
  const [scale, setScale] = useState<{ lengthPx: number; label: string } | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const snapshot = useViewerState(state);

  useEffect(() => {
    const container = containerRef.current!;
    let viewer: OpenSeadragon.Viewer | null = null;
    let cancelled = false;
    let tilesLoaded = 0;
    let tilesFailed = 0;
    deepZoomTileSource(slide.id).then(
      (tileSource) => {
        if (cancelled) return;
        const hasKey = apiKey.get() !== null;
        viewer = OpenSeadragon({
          element: container,
          tileSources: tileSource as unknown as OpenSeadragon.TileSourceOptions,
          prefixUrl: '/assets/openseadragon-images/',
          drawer: 'canvas',
          showNavigator: true,
          navigatorPosition: 'TOP_RIGHT',
          showRotationControl: false,
          showFullPageControl: false,
          maxZoomPixelRatio: 2,
          visibilityRatio: 0.5,
          maxImageCacheCount: 600,
          imageLoaderLimit: 6,
          loadTilesWithAjax: hasKey,
          ajaxHeaders: authorizationHeaders(),
          gestureSettingsMouse: { clickToZoom: false },
        } as OpenSeadragon.Options);
        viewerRef.current = viewer;
        const current = viewer;
        const report = () => {
          const item = current.world.getItemAt(0);
          if (!item) return;
          const centre = item.viewportToImageCoordinates(current.viewport.getCenter(true));
          container.dataset.centreLevel0 = `${Math.round(centre.x)},${Math.round(centre.y)}`;
          const imageZoom = item.viewportToImageZoom(current.viewport.getZoom(true));
          setScale(slide.mpp_x ? scaleBar(slide.mpp_x / imageZoom) : null);
        };
        current.addHandler('open', () => {
          report();
          setReady(true);
        });
        current.addHandler('animation', report);
        current.addHandler('animation-finish', report);
        current.addHandler('resize', report);
        current.addHandler('tile-loaded', () => {
          container.dataset.tilesLoaded = String(++tilesLoaded);
        });
        current.addHandler('tile-load-failed', () => {
          container.dataset.tilesFailed = String(++tilesFailed);
        });
      },
      (error: unknown) => setFailure(describeError(error)),
    );
    return () => {
      cancelled = true;
      viewer?.destroy();
      viewerRef.current = null;
      setReady(false);
    };
  }, [slide.id, slide.mpp_x]);

  useRegionRequests(viewerRef, ready, snapshot.requestedRegion);
  useOutlines(viewerRef, ready, snapshot.highlightedRegion, snapshot.citedRegions);
  useImageOverlay(
    viewerRef,
    ready,
    snapshot.tissueMaskVisible ? 'mask' : null,
    () => api.tissueMaskUrl(slide.id),
    0.45,
  );
  useImageOverlay(
    viewerRef,
    ready,
    snapshot.heatmapVisible && snapshot.heatmap ? snapshot.heatmap.url : null,
    async () => snapshot.heatmap!.url,
    1,
  );

  return (
    <div class="viewer-frame">
      <div
        ref={containerRef}
        class="slide-viewer"
        data-testid="slide-viewer"
        aria-label={`Slide viewer: ${slide.name}`}
        role="img"
      />
      {scale && (
        <div class="scale-bar" aria-label={`Scale bar: ${scale.label}`}>
          <ScaleLine lengthPx={scale.lengthPx} />
          <span>{scale.label}</span>
        </div>
      )}
      {!slide.mpp_x && <div class="scale-bar scale-bar-missing">No MPP: no scale bar (re-ingest with the MPP)</div>}
      {failure && <div class="viewer-failure error">The slide could not be shown: {failure}</div>}
    </div>
  );
}

function ScaleLine({ lengthPx }: { lengthPx: number }) {
  const lineRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (lineRef.current) lineRef.current.style.width = `${Math.round(lengthPx)}px`;
  }, [lengthPx]);
  return <div ref={lineRef} class="scale-line" />;
}

type ViewerReference = { current: OpenSeadragon.Viewer | null };

function viewportRectangle(
  viewer: OpenSeadragon.Viewer,
  region: RegionLevel0,
  margin: number,
): OpenSeadragon.Rect | null {
  const item = viewer.world.getItemAt(0);
  if (!item) return null;
  const marginX = region.widthLevel0Px * margin;
  const marginY = region.heightLevel0Px * margin;
  return item.imageToViewportRectangle(
    region.xLevel0 - marginX,
    region.yLevel0 - marginY,
    region.widthLevel0Px + 2 * marginX,
    region.heightLevel0Px + 2 * marginY,
  );
}

function useRegionRequests(viewerRef: ViewerReference, ready: boolean, region: RegionLevel0 | null) {
  useEffect(() => {
    const viewer = viewerRef.current;
    if (!ready || !viewer || !region) return;
    const rectangle = viewportRectangle(viewer, region, regionMargin);
    if (rectangle) viewer.viewport.fitBounds(rectangle);
  }, [ready, region]);
}

function useOutlines(
  viewerRef: ViewerReference,
  ready: boolean,
  highlighted: RegionLevel0 | null,
  cited: RegionLevel0[],
) {
  useEffect(() => {
    const viewer = viewerRef.current;
    if (!ready || !viewer) return;
    const elements: HTMLElement[] = [];
    const outline = (region: RegionLevel0, className: string) => {
      const rectangle = viewportRectangle(viewer, region, 0);
      if (!rectangle) return;
      const element = document.createElement('div');
      element.className = className;
      viewer.addOverlay({ element, location: rectangle });
      elements.push(element);
    };
    for (const region of cited) outline(region, 'region-outline region-outline-cited');
    if (highlighted) outline(highlighted, 'region-outline region-outline-highlighted');
    return () => {
      for (const element of elements) viewer.removeOverlay(element);
    };
  }, [ready, highlighted, cited]);
}

/** An image the size of the whole slide over it (tissue mask, heatmap), while `key` is set. */
function useImageOverlay(
  viewerRef: ViewerReference,
  ready: boolean,
  key: string | null,
  loadUrl: () => Promise<string>,
  opacity: number,
) {
  useEffect(() => {
    const viewer = viewerRef.current;
    if (!ready || !viewer || key === null) return;
    let added: OpenSeadragon.TiledImage | null = null;
    let cancelled = false;
    loadUrl().then((url) => {
      if (cancelled) return;
      viewer.addSimpleImage({
        url,
        x: 0,
        y: 0,
        width: 1,
        opacity,
        loadTilesWithAjax: false,
        success: (event: { item: OpenSeadragon.TiledImage }) => {
          if (cancelled) viewer.world.removeItem(event.item);
          else added = event.item;
        },
      } as unknown as Parameters<OpenSeadragon.Viewer['addSimpleImage']>[0]);
    });
    return () => {
      cancelled = true;
      if (added) viewer.world.removeItem(added);
    };
  }, [ready, key]);
}

export * from './slide-viewer.ts';
export * from './deep-zoom-geometry.ts';
export * from './deep-zoom-tiles.ts';
export * from './render-region.ts';
export * from './tissue-overlay.ts';
export * from './open-reader-pool.ts';

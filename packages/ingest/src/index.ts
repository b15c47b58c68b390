export * from './file-sha256.ts';
export * from './register-slide.ts';
export * from './ingest-slide.ts';
export * from './ingestion-progress.ts';
export * from './ingestion-worker.ts';
export * from './patch-grid.ts';
export * from './background-filter.ts';

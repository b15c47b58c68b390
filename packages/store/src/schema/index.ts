export * from './embedding-column.ts';
export * from './slides.ts';
export * from './patches.ts';
export * from './slide-prototypes.ts';
export * from './image-text-pairs.ts';
export * from './conversations.ts';
export * from './reports.ts';
export * from './audit-events.ts';

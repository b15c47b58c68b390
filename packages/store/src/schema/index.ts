export * from './embedding-column.ts';
export * from './slides.ts';
export * from './patches.ts';
export * from './image-text-pairs.ts';
export * from './conversations.ts';

export * from './image-encoder.ts';
export * from './text-encoder.ts';
export * from './l2-normalise.ts';
export * from './clip/clip-image-encoder.ts';
export * from './clip/clip-text-encoder.ts';
export * from './clip/transformers-environment.ts';
export * from './decode-image.ts';

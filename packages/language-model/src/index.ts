export * from './language-model.ts';
export * from './queue/generation-queue.ts';
export * from './transformers/transformers-language-model.ts';
export * from './openai-compatible/openai-compatible-language-model.ts';
export * from './openai-compatible/map-upstream-error.ts';
export * from './openai-compatible/token-counter.ts';
export * from './load-language-model.ts';
export * from './worker-thread/worker-thread-language-model.ts';

export * from './language-model.ts';
export * from './one-at-a-time.ts';
export * from './transformers/transformers-language-model.ts';

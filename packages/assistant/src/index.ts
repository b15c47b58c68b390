export * from './evidence.ts';
export * from './gather-evidence.ts';
export * from './fit-evidence.ts';
export * from './check-citations.ts';
export * from './build-prompt.ts';
export * from './start-chat.ts';

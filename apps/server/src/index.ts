export * from './http/create-app.ts';
export * from './http/runtime-holder.ts';
export * from './runtime/runtime.ts';
export * from './runtime/create-runtime.ts';
export * from './runtime/select-models.ts';
export * from './start-server.ts';

export * from './errors/index.js';
export * from './config/index.js';
export * from './clock/index.js';
export type * from './ports/index.js';
export type * from './events/index.js';

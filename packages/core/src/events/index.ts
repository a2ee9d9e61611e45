export type * from './event-map.js';

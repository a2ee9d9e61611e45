export * from './sef-error.js';

export { bufferPolicy } from './policy.js';

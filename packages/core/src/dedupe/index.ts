export { SlotTable } from './slot-table.js';
export { bufferPolicy } from './policy.js';

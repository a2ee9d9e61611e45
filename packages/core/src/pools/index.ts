export { parsePoolId, poolId } from './pool-id.js';

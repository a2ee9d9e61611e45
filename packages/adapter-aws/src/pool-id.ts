// The core owns the pool id format (`<az>:<instanceType>`); the adapter re-exports it under its names.
export { parsePoolId, poolId as toPoolId } from '@sef/core';

// `pnpm bench` in @sef/core: the data pipeline, then the failover decision time. Each prints its
// figures beside a baseline measured in the same run, and the ratio.
console.log('== @sef/core: data pipeline ==');
await import('./pipeline.ts');
console.log('\n== @sef/core: failover ==');
await import('./failover.ts');

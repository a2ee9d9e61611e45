// The worker thread's entry: a worker starts without the parent's TypeScript loader, so this plain module
// loads the policy's TypeScript through tsx (the workspace's dev dependency, as `pnpm simulate` does).
import { tsImport } from 'tsx/esm/api';

await tsImport('./policy-worker.ts', import.meta.url);

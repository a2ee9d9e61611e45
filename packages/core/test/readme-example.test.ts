import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it, vi } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

it('the README example is examples/quick-start.ts byte for byte (pnpm readme:sync rewrites it)', () => {
  const block = /<!-- include: examples\/quick-start\.ts[^\n]*-->\n```ts\n([\s\S]*?)```\n/.exec(readme);
  expect(block?.[1]).toBe(readFileSync(join(root, 'examples/quick-start.ts'), 'utf8'));
});

it('the README example runs and prints what the README says it prints', async () => {
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
  try {
    await import('../examples/quick-start.js');
  } finally {
    log.mockRestore();
  }
  const promised = /It prints:\n\n```text\n([\s\S]*?)```\n/.exec(readme)?.[1]?.trimEnd().split('\n');
  expect(printed).toEqual(promised);
});

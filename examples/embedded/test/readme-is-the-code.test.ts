import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/<!-- include: (\S+)[^\n]*-->\n```ts\n([\s\S]*?)```\n/g)].map((m) => ({ file: m[1]!, code: m[2]! }));

it('the README "Use SEF in your backend" shows the example files whole, byte for byte (pnpm readme:sync rewrites them)', () => {
  expect(blocks.map((b) => b.file)).toEqual(['src/create-sef.ts', 'src/react-to-events.ts', 'src/app.ts', 'src/webhook.ts', 'src/main.ts']);
  for (const { file, code } of blocks) expect(code, file).toBe(readFileSync(join(root, file), 'utf8'));
});

// Rewrites every block after `<!-- include: <file> ... -->` in the README.md of the current directory with
// the file's current text (`pnpm readme:sync` in a package that includes code in its README).
import { readFileSync, writeFileSync } from 'node:fs';

const readme = readFileSync('README.md', 'utf8');
const synced = readme.replace(/(<!-- include: (\S+)[^\n]*-->\n```ts\n)[\s\S]*?```\n/g, (_, head, file) => `${head}${readFileSync(file, 'utf8')}\`\`\`\n`);
writeFileSync('README.md', synced);

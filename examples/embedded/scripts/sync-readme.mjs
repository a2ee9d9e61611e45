// Rewrites every block after `<!-- include: <file> ... -->` in README.md with the file's current text.
import { readFileSync, writeFileSync } from 'node:fs';

const readme = readFileSync('README.md', 'utf8');
const synced = readme.replace(/(<!-- include: (\S+)[^\n]*-->\n```ts\n)[\s\S]*?```\n/g, (_, head, file) => `${head}${readFileSync(file, 'utf8')}\`\`\`\n`);
writeFileSync('README.md', synced);

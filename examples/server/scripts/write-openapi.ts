// Writes docs/openapi.json from the routes' zod schemas. Run: pnpm openapi (in examples/server).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocumentText, openApiPath } from '../src/http/openapi-document.js';

const file = join(import.meta.dirname, '../../..', openApiPath);
writeFileSync(file, await openApiDocumentText());
console.log(`wrote ${file}`);

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocumentText, openApiPath } from '../src/http/openapi-document.js';
import { routeDocs } from '../src/http/openapi.js';
import { startServer, type Harness } from './support/harness.js';

const committed = readFileSync(join(import.meta.dirname, '../../..', openApiPath), 'utf8');

describe('the OpenAPI document (docs/openapi.json)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startServer('embedded');
  });
  afterAll(async () => {
    await h.close();
  });

  it('the committed document is the one the routes generate', async () => {
    const generated = await openApiDocumentText();
    expect(committed === generated, `${openApiPath} is stale: run \`pnpm --filter @sef/example-server openapi\` and commit it`).toBe(true);
  });

  it('is OpenAPI 3.1, built from the zod schemas the routes validate with', () => {
    const doc = JSON.parse(committed) as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, { maxItems?: number; minItems?: number }> } }> } }>> };
    expect(doc.openapi).toBe('3.1.0');
    const reports = doc.paths['/api/agents/{id}/pricing']?.['post']?.requestBody?.content['application/json']?.schema.properties['reports'];
    expect(reports).toMatchObject({ minItems: 1, maxItems: 5000 });
  });

  it('documents every route (summary, tag, who may call it) and nothing that is not a route', () => {
    const doc = JSON.parse(committed) as { paths: Record<string, Record<string, { summary?: string; security?: unknown[] }>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(Object.keys(routeDocs).sort());
    for (const [path, ops] of Object.entries(doc.paths)) for (const op of Object.values(ops)) expect(op.summary, path).toBeTruthy();
  });

  it('serves the interactive reference at /docs and the document at /docs/json', async () => {
    const page = await h.app.inject({ url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('swagger');
    const json = await h.app.inject({ url: '/docs/json' });
    expect(json.json()).toEqual(JSON.parse(committed));
  });
});

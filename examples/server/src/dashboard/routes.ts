import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const read = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');

/** The dashboard at `/`: one HTML page and one script, read once at start. Its API calls carry the admin token. */
export function dashboardRoutes(app: FastifyInstance): void {
  const html = read('index.html');
  const script = read('client.js');
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
  app.get('/dashboard.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(script));
}

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';

const read = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
const fromPackage = (file: string) => readFileSync(createRequire(import.meta.url).resolve(file), 'utf8');

/** The chart library, served from node_modules (no CDN: the dashboard works offline). */
export const vendorFiles: Readonly<Record<string, { file: string; type: string }>> = {
  '/vendor/uPlot.esm.js': { file: 'uplot/dist/uPlot.esm.js', type: 'text/javascript; charset=utf-8' },
  '/vendor/uPlot.min.css': { file: 'uplot/dist/uPlot.min.css', type: 'text/css; charset=utf-8' },
};

export interface DashboardOptions {
  /** A `pnpm simulate` report (HTML): linked from the dashboard and served at `/simulation` while the file exists. @default undefined */
  readonly simulationReport?: string | undefined;
}

const simulationLink = '<a href="/simulation" style="color:#cfe1ff">Fleet simulation report</a>';

/** The dashboard at `/`: one HTML page, one script and uPlot, read once at start. Its API calls carry the admin token. */
export function dashboardRoutes(app: FastifyInstance, options: DashboardOptions = {}): void {
  const html = read('index.html');
  const scripts = { '/dashboard.js': read('client.js'), '/dashboard-chart.js': read('chart.js') };
  const report = options.simulationReport;
  // The report is read when asked for: the latest run's, and the link only while one exists.
  const hasReport = () => report !== undefined && existsSync(report);
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(hasReport() ? html.replace('<!-- simulation report link -->', simulationLink) : html));
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
  for (const [path, text] of Object.entries(scripts)) app.get(path, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(text));
  for (const [path, { file, type }] of Object.entries(vendorFiles)) {
    const text = fromPackage(file);
    app.get(path, async (_request, reply) => reply.type(type).header('cache-control', 'public, max-age=86400').send(text));
  }
  app.get('/simulation', async (_request, reply) => {
    if (!hasReport()) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'No simulation report yet: run pnpm simulate', details: [] } });
    return reply.type('text/html; charset=utf-8').send(readFileSync(report!, 'utf8'));
  });
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { dashboardRoutes } from '../src/dashboard/routes.js';

describe('the dashboard links the latest simulation report', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('no report: no link, /simulation is 404; a report written later: linked and served as it is now', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sef-dash-'));
    dirs.push(dir);
    const report = join(dir, 'report.html');
    const app = Fastify();
    dashboardRoutes(app, { simulationReport: report });
    try {
      expect((await app.inject('/')).body).not.toContain('href="/simulation"');
      expect((await app.inject('/simulation')).statusCode).toBe(404);
      await writeFile(report, '<!doctype html><title>run 1</title>');
      expect((await app.inject('/')).body).toContain('href="/simulation"');
      await writeFile(report, '<!doctype html><title>run 2</title>');
      const page = await app.inject('/simulation');
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.body).toContain('run 2');
    } finally {
      await app.close();
    }
  });
});

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimulationReport } from '../simulate.js';
import { renderHtml } from './html.js';
import { formatTables } from './table.js';

/** Writes `table.txt`, `report.json` and `report.html` into `dir` (created if missing); returns their paths. */
export async function writeReport(report: SimulationReport, dir: string): Promise<{ table: string; json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const paths = { table: join(dir, 'table.txt'), json: join(dir, 'report.json'), html: join(dir, 'report.html') };
  await writeFile(paths.table, formatTables(report));
  await writeFile(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(paths.html, renderHtml(report));
  return paths;
}

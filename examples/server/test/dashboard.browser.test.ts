import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from './support/endpoint-suite.js';
import { bearer, gridTime, startServer, type Harness } from './support/harness.js';
import { readyReplica } from './support/replica-suite.js';

// Debian's chromium (`apt-get install -y chromium`); playwright cannot download browsers here.
const executablePath = process.env['SEF_CHROMIUM'] ?? '/usr/bin/chromium';
// a1's own pool, and another pool it samples that sorts before it (the API lists that one first).
const pool = 'us-east-1b:c5.large';
const otherPool = 'us-east-1a:c5.large';
// `SEF_SCREENSHOT_DIR=../../docs/screenshots` writes the README's screenshots; else a temporary directory.
const screenshotDir = process.env['SEF_SCREENSHOT_DIR'] ? resolve(process.env['SEF_SCREENSHOT_DIR']) : mkdtempSync(join(tmpdir(), 'sef-dashboard-'));
// scripts/test.mjs skips this suite, loudly, when no Chromium is installed (never under CI=true).
const noBrowser = (process.env['SEF_TEST_SKIP'] ?? '').split(',').includes('chromium');

let h: Harness;
let browser: Browser;
let page: Page;
let base: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  if (noBrowser) return;
  h = await startServer('embedded', { rateLimit: false });
  for (const id of ['a1', 'a2']) tokens[id] = (await register(h, id, pool)).token;
  const t0 = gridTime(4);
  // Two hours on the 300 s grid; a1's own pool misses 900, 1200 and 1500 s (interpolated), the other pool nothing.
  const steps = Array.from({ length: 24 }, (_, k) => k);
  const reports = [
    ...steps.filter((k) => k < 3 || k > 5).map((k) => ({ instanceId: 'i-a1', poolId: pool, timestamp: t0 + k * 300, price: Number((0.05 + 0.004 * Math.sin(k / 3)).toFixed(5)) })),
    ...steps.map((k) => ({ instanceId: 'i-a1', poolId: otherPool, timestamp: t0 + k * 300, price: Number((0.047 + 0.003 * Math.cos(k / 4)).toFixed(5)) })),
  ];
  const res = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(tokens['a1']!), payload: { reports } });
  expect(res.json()).toMatchObject({ accepted: reports.length });
  await h.sef.flush();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = h.app.server.address() as { port: number };
  base = `http://127.0.0.1:${port}`;
  browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${base}/#token=${h.adminToken}`);
  await page.waitForSelector('body[data-loaded="true"]');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** The little of the DOM these checks read in the page (the test's own types have no DOM). */
interface Box {
  width: number;
  height: number;
  right: number;
}
interface El {
  getBoundingClientRect(): Box;
  closest(selector: string): El;
  clientWidth: number;
  width: number;
  height: number;
  outerHTML: string;
}

const message = (text: string) => page.locator('#message', { hasText: text }).waitFor({ timeout: 15_000 });

describe.skipIf(noBrowser)('dashboard in headless Chromium', () => {
  it('loads: lists the agents with their modes and primaries', async () => {
    expect(await page.locator('#agents tbody tr').count()).toBe(2);
    expect(await page.locator('tr[data-agent="a1"] td').nth(2).textContent()).toBe('i-a1');
    expect(await page.locator('tr[data-agent="a1"] input[data-mode="auto-switch"]').isChecked()).toBe(false);
  });

  it('draws the price timeline with uPlot: axes, one series per pool, the own pool first, interpolated points marked', async () => {
    await page.waitForSelector('#chart .uplot canvas');
    // The API lists the other pool first; the chart puts a1's own pool first all the same.
    const prices = (await h.app.inject({ url: '/api/agents/a1/prices', headers: bearer(h.adminToken) })).json<{ series: { pool_id: string }[] }>();
    expect(prices.series.map((s) => s.pool_id)).toEqual([otherPool, pool]);
    expect(await page.locator('#chart .u-legend .u-series .u-label').allTextContents()).toEqual(['Time (UTC)', `${pool} (own pool)`, otherPool]);
    expect(await page.locator('#chart .u-axis').count()).toBe(2);
    // The 3 interpolated points of the own pool, marked on the canvas (single-source points are the line alone).
    expect(JSON.parse((await page.locator('#chart').getAttribute('data-markers'))!)).toEqual({ interpolated: 3 });
    expect(await page.locator('#chart-title').textContent()).toBe('a1 · 2 pool(s) · 48 points');
    expect(await page.locator('#quality tbody tr').count()).toBeGreaterThan(0);
  });

  it('the chart fills its panel without stretching: canvas pixels match its size on screen', async () => {
    const box = await page.locator('#chart canvas').evaluate((c: El) => ({ css: c.getBoundingClientRect().width / c.getBoundingClientRect().height, px: c.width / c.height, panel: c.closest('section').clientWidth, width: c.getBoundingClientRect().width }));
    expect(Math.abs(box.css - box.px)).toBeLessThan(0.02);
    expect(box.width).toBeLessThanOrEqual(box.panel);
    expect(box.width).toBeGreaterThan(box.panel * 0.8);
  });

  it('a toggle turns auto-switch on through the API', async () => {
    await page.locator('tr[data-agent="a1"] input[data-mode="auto-switch"]').click();
    await message('a1: auto-switch enabled');
    expect((await h.sef.storage.agents.get('a1'))?.modes.autoSwitch).toBe(true);
  });

  it("a refused toggle shows the spec's message and stays off", async () => {
    await page.locator('tr[data-agent="a1"] input[data-mode="manual-replica"]').click();
    await message('a1: Cannot enable manual mode while auto-switch is active');
    expect(await page.locator('#message').getAttribute('data-kind')).toBe('error');
    expect((await h.sef.storage.agents.get('a1'))?.modes.manualReplica).toBe(false);
    await expect.poll(() => page.locator('tr[data-agent="a1"] input[data-mode="manual-replica"]').isChecked()).toBe(false);
  });

  it('"Switch to Replica" is enabled only in manual mode with a ready standby, and then promotes it', async () => {
    const refused = await h.app.inject({ method: 'POST', url: '/api/agents/a1/manual-switch', headers: bearer(h.adminToken) });
    expect(refused.statusCode).toBe(409);
    expect(await page.locator('tr[data-agent="a1"] button[data-action="switch"]').isDisabled()).toBe(true);
    expect(await page.locator('tr[data-agent="a1"] button[data-action="switch"]').getAttribute('title')).toBe('only in manual replica mode');

    const replica = await readyReplica(h, 'a2', tokens['a2']!);
    await expect.poll(() => page.locator('tr[data-agent="a2"] button[data-action="switch"]').isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.locator('tr[data-agent="a2"] button[data-action="switch"]').click();
    await message('a2: switched to the replica');
    expect((await h.sef.storage.agents.get('a2'))?.primaryInstanceId).toBe(replica);
    await expect.poll(() => page.locator('tr[data-agent="a2"] td').nth(2).textContent(), { timeout: 15_000 }).toBe(replica);
    // a2 is in manual mode now: auto-switch is refused with the spec's words.
    await page.locator('tr[data-agent="a2"] input[data-mode="auto-switch"]').click();
    await message('a2: Cannot enable auto-switch while manual mode is active');
    expect((await h.sef.storage.agents.get('a2'))?.modes.autoSwitch).toBe(false);
  });

  it('the manual switch is in the failover history, beside the notices', async () => {
    const row = page.locator('#failovers tr[data-signal="manual switch"]');
    await row.waitFor({ timeout: 15_000 });
    expect(await row.count()).toBe(1);
    const cells = await row.locator('td').allTextContents();
    const a2 = await h.sef.storage.agents.get('a2');
    expect(cells.slice(1, 4)).toEqual(['a2', 'manual switch', `promoted ${a2?.primaryInstanceId} (was i-a2)`]);
    expect(cells[6]).toBe('yes');
    // No notice yet: both failover figures say so.
    expect(await page.locator('#stats-termination').textContent()).toBe('none');
    expect(await page.locator('#stats-all').textContent()).toBe('none');
  });

  it("labels both failover figures: a rebalance recommendation counts in the spec's query, not among the failovers", async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/agents/a1/interruption', headers: bearer(h.adminToken), payload: { signal_type: 'rebalance-recommendation' } });
    expect(res.statusCode, res.body).toBe(202);
    await expect.poll(() => page.locator('#stats-all').textContent(), { timeout: 15_000 }).toMatch(/^1\/1 successful · avg /);
    expect(await page.locator('#stats-termination').textContent()).toBe('none');
    expect(await page.locator('#failover-stats dt').allTextContents()).toEqual(['Termination notices (the failovers)', "Every interruption event (the spec's query: rebalance recommendations too)"]);
    await page.locator('#failovers tr[data-signal="rebalance-recommendation"]').waitFor({ timeout: 15_000 });
  });

  for (const [width, height] of [[1400, 1000], [390, 844]] as const) {
    it(`at ${width}×${height} nothing overflows the page and the chart is redrawn to its panel (screenshot dashboard-${width}.png)`, async () => {
      await page.setViewportSize({ width, height });
      await expect.poll(() => page.locator('#chart canvas').evaluate((c: El) => Math.abs(c.getBoundingClientRect().width - c.closest('#chart').clientWidth) <= 1)).toBe(true);
      expect(await page.locator('html').evaluate((e: El & { scrollWidth: number }) => e.scrollWidth)).toBeLessThanOrEqual(width);
      // Every panel inside the page; a wide table scrolls inside its own panel.
      const outside = await page.locator('section, header, #message').evaluateAll((els: El[], w) => els.filter((e) => e.getBoundingClientRect().right > w + 0.5).map((e) => e.outerHTML.slice(0, 60)), width);
      expect(outside).toEqual([]);
      mkdirSync(screenshotDir, { recursive: true });
      await page.screenshot({ path: join(screenshotDir, `dashboard-${width}.png`), fullPage: true });
    });
  }

  it('a manual switch that failed is in the history too, marked NO with its error', async () => {
    // As the core records one whose reroute never answered (tested in core: manual-replica.test.ts).
    const error = 'DeadlineExceededError: reroute did not answer in time';
    await h.sef.storage.events.appendSystemEvent({ eventType: 'manual.switch', agentId: 'a1', createdAt: Date.now(), payload: { from: 'i-a1', to: 'i-standby', success: false, error, responseTimeMs: 120_000 } });
    const row = page.locator('#failovers tr[data-signal="manual switch"]', { hasText: 'a1' });
    await row.waitFor({ timeout: 15_000 });
    expect((await row.locator('td').allTextContents()).slice(1)).toEqual(['a1', 'manual switch', `failed: ${error}`, '—', '120.0 s', 'NO']);
  });
});

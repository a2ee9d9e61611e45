import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from './support/endpoint-suite.js';
import { bearer, gridTime, startServer, type Harness } from './support/harness.js';
import { readyReplica } from './support/replica-suite.js';

// Debian's chromium (`apt-get install -y chromium`); playwright cannot download browsers here.
const executablePath = process.env['SEF_CHROMIUM'] ?? '/usr/bin/chromium';
const pool = 'us-east-1a:c5.large';
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
  for (const id of ['a1', 'a2']) tokens[id] = (await register(h, id)).token;
  const t0 = gridTime(4);
  const reports = [0, 300, 600, 1800, 2100].map((dt, i) => ({ instanceId: 'i-a1', poolId: pool, timestamp: t0 + dt, price: 0.05 + i * 0.001 }));
  const res = await h.app.inject({ method: 'POST', url: '/api/agents/a1/pricing', headers: bearer(tokens['a1']!), payload: { reports } });
  expect(res.json()).toMatchObject({ accepted: 5 });
  await h.sef.flush();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = h.app.server.address() as { port: number };
  base = `http://127.0.0.1:${port}`;
  browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  page = await browser.newPage();
  await page.goto(`${base}/#token=${h.adminToken}`);
  await page.waitForSelector('body[data-loaded="true"]');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const message = (text: string) => page.locator('#message', { hasText: text }).waitFor({ timeout: 15_000 });

describe.skipIf(noBrowser)('dashboard in headless Chromium', () => {
  it('loads: lists the agents with their modes and primaries', async () => {
    expect(await page.locator('#agents tbody tr').count()).toBe(2);
    expect(await page.locator('tr[data-agent="a1"] td').nth(2).textContent()).toBe('i-a1');
    expect(await page.locator('tr[data-agent="a1"] input[data-mode="auto-switch"]').isChecked()).toBe(false);
  });

  it('renders the price timeline as SVG with the interpolated points marked', async () => {
    await page.waitForSelector('#chart .pt');
    // 0, 300, 600, then 900, 1200, 1500 interpolated up to 1800, then 2100.
    expect(await page.locator('#chart .pt').count()).toBe(8);
    expect(await page.locator('#chart .pt.interpolated').count()).toBe(3);
    expect(await page.locator('#chart .pt.single_source').count()).toBe(5);
    expect(await page.locator('#quality tbody tr').count()).toBeGreaterThan(0);
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
});

import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../src/report/html.js';
import { simulate } from '../src/simulate.js';

// Debian's chromium; scripts/test.mjs skips this suite, loudly, when it is not installed (never under CI=true).
const executablePath = process.env['SEF_CHROMIUM'] ?? '/usr/bin/chromium';
const noBrowser = (process.env['SEF_TEST_SKIP'] ?? '').split(',').includes('chromium');

let browser: Browser | undefined;
beforeAll(async () => {
  if (noBrowser) return;
  browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

describe.skipIf(noBrowser)('the HTML report in headless Chromium', () => {
  it('every card holds its content at a laptop width: no table or chart wider than its card', async () => {
    // Every policy, so that the figures tables have all their rows and their widest cells.
    const report = await simulate({ world: { agents: 20, days: 1 }, run: { reportingAgents: 5 } });
    const page = await browser!.newPage({ viewport: { width: 1000, height: 800 } });
    try {
      await page.setContent(renderHtml(report));
      const cards = await page.$$eval('section', (sections) =>
        sections.map((s) => ({ title: s.querySelector('h2')?.textContent ?? '', inner: s.clientWidth, content: s.scrollWidth, tables: s.querySelectorAll('table').length })),
      );
      expect(cards.map((c) => c.title)).toContain('Figures');
      for (const c of cards) expect(c.content, `${c.title}: content ${c.content} px in a card of ${c.inner} px`).toBeLessThanOrEqual(c.inner);
      expect(cards.reduce((n, c) => n + c.tables, 0)).toBeGreaterThanOrEqual(2);
    } finally {
      await page.close();
    }
  }, 120_000);
});

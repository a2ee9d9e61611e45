// Renders a report's HTML in headless Chromium to a PNG: `node --import tsx scripts/screenshot.ts report.html out.png [selector]`.
// With a selector, only that element is captured (the README's chart is `section:nth-of-type(1) svg`).
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [html, png, selector] = process.argv.slice(2);
if (!html || !png) {
  console.error('usage: screenshot.ts <report.html> <out.png> [css selector]');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env['SEF_CHROMIUM'] ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(resolve(html)).href);
  if (selector) await page.locator(selector).first().screenshot({ path: png });
  else await page.screenshot({ path: png, fullPage: true });
} finally {
  await browser.close();
}

import { describe, expect, it } from 'vitest';
import { frontier, spreadLabels } from '../src/report/charts.js';
import { renderHtml } from '../src/report/html.js';
import { interpolatedText } from '../src/report/interpolated-text.js';
import { simulate } from '../src/simulate.js';

describe('the HTML report', () => {
  it('is self-contained: three inline SVG charts, inline CSS, no script and no external resource', async () => {
    const report = await simulate({ world: { agents: 3, days: 1 }, policies: [{ kind: 'notice-only' }, { kind: 'on-demand' }] });
    const html = renderHtml(report);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('<style>');
  });

  it('the frontier keeps the policies no other beats on both cost and downtime, cheapest first', () => {
    const r = (policy: string, ratio: number, total: number) => ({ policy, cost: { ratio }, downtime: { allCauses: total } }) as never;
    const a = r('cheap-down', 0.3, 5000);
    const b = r('mid', 0.4, 1000);
    const c = r('worse', 0.5, 2000);
    const d = r('dear-up', 1, 0);
    expect(frontier([c, d, a, b])).toEqual([a, b, d]);
  });

  it('labels close to each other are pushed apart, in place', () => {
    expect(spreadLabels([100, 101, 50, 102], 14)).toEqual([100, 114, 50, 128]);
    expect(spreadLabels([100, 101, 50, 102], 14, 110)).toEqual([82, 96, 50, 110]);
  });

  it('the interpolated column gives the count and a share small enough for a sampled month to show (two significant digits)', () => {
    const r = (kind: string, interpolated: number, interpolatedShare: number) => ({ kind, prices: { interpolated, interpolatedShare } }) as never;
    expect(interpolatedText(r('notice-only', 12, 12 / 432_000))).toBe('12 (0.0028 %)');
    expect(interpolatedText(r('manual', 0, 0))).toBe('0 (0 %)');
    expect(interpolatedText(r('auto', 300, 0.0125))).toBe('300 (1.3 %)');
    expect(interpolatedText(r('on-demand', 0, 0))).toBe('-');
  });
});

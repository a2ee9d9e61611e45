import { describe, expect, it } from 'vitest';
import { defaultWorkers, parseCli, usage } from '../src/cli-args.js';

describe('pnpm simulate command line', () => {
  it('defaults: every policy with the spec thresholds, no world or run override', () => {
    const s = parseCli([]);
    expect(s.policies.map((p) => (p.kind === 'auto' ? `auto ${p.threshold}` : p.kind))).toEqual(['auto 0.15', 'auto 0.3', 'auto 0.5', 'manual', 'notice-only', 'replace', 'on-demand']);
    expect(s.world).toEqual({});
    expect(s.run).toEqual({});
    expect(s.progress).toBe(true);
    expect(s.workers).toBe(defaultWorkers);
  });

  it('options reach the world, the run and the policy list', () => {
    const s = parseCli(['--agents', '10', '--days', '2', '--seed', '9', '--thresholds', '0.2,0.4', '--policies', 'auto,manual', '--lead-minutes', '5,20', '--reporting-agents', '3', '--no-progress', '--out', 'x', '--workers', '3']);
    expect(s.world).toEqual({ agents: 10, days: 2, seed: 9, rebalanceLeadMinutes: [5, 20] });
    expect(s.run).toEqual({ reportingAgents: 3 });
    expect(s.policies).toEqual([{ kind: 'auto', threshold: 0.2 }, { kind: 'auto', threshold: 0.4 }, { kind: 'manual' }]);
    expect(s.out).toBe('x');
    expect(s.workers).toBe(3);
    expect(s.progress).toBe(false);
  });

  it('every bad option is named in one error', () => {
    let message = '';
    try {
      parseCli(['--agents', 'many', '--thresholds', '0.2,2', '--policies', 'auto,yolo', '--lead-minutes', '5,x', '--workers', '0']);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/--agents must be a number/);
    expect(message).toMatch(/--lead-minutes must be numbers/);
    expect(message).toMatch(/--thresholds must each be from 0 to 1/);
    expect(message).toMatch(/--policies .*unknown: yolo/);
    expect(message).toMatch(/--workers must be a whole number/);
    expect(() => parseCli(['--frobnicate'])).toThrow(RangeError);
  });

  it('--help is documented with every option', () => {
    expect(parseCli(['--help']).help).toBe(true);
    for (const option of ['--agents', '--days', '--seed', '--thresholds', '--policies', '--out', '--reporting-agents', '--report-every', '--lead-minutes', '--recovery-minutes', '--latency-spread', '--workers']) expect(usage).toContain(option);
  });
});

import { ConfigError } from '@sef/core';
import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../src/compose/settings.js';
import { startServer } from './support/harness.js';

describe('server settings from the environment', () => {
  it('defaults: port 5000, auth on, simulated fleet on, embedded backends', () => {
    const s = settingsFromEnv({});
    expect(s).toMatchObject({ PORT: 5000, SEF_AUTH: true, SEF_SIMULATED_FLEET: true, SEF_CLOUD: 'simulated', SEF_BODY_LIMIT: 4 * 1024 * 1024 });
    expect(s.DATABASE_URL).toBeUndefined();
    expect(s.REDIS_URL).toBeUndefined();
  });

  it('SEF_AUTH=off and SEF_SIMULATED_FLEET=0 turn those off', () => {
    expect(settingsFromEnv({ SEF_AUTH: 'off', SEF_SIMULATED_FLEET: '0' })).toMatchObject({ SEF_AUTH: false, SEF_SIMULATED_FLEET: false });
  });

  it('a bad start names every bad setting', () => {
    let error: unknown;
    try {
      settingsFromEnv({ PORT: 'eighty', SEF_AUTH: 'maybe', SEF_RATE_LIMIT_MAX: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual(['PORT', 'SEF_AUTH', 'SEF_RATE_LIMIT_MAX']);
  });

  it('SEF_CLOUD=aws needs AWS_REGION', () => {
    expect(() => settingsFromEnv({ SEF_CLOUD: 'aws' })).toThrow(/AWS_REGION/);
    expect(settingsFromEnv({ SEF_CLOUD: 'aws', AWS_REGION: 'us-east-1' }).SEF_CLOUD).toBe('aws');
  });
});

describe('risk heuristic constants from the environment', () => {
  it('a bad SEF_RISK_* value stops the composition, named', async () => {
    const error = await startServer('embedded', { env: { SEF_RISK_TIME_OF_DAY_WEIGHT: '2', SEF_RISK_HISTORY_SCALE: 'two' } }).then(
      async (h) => {
        await h.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['SEF_RISK_HISTORY_SCALE', 'SEF_RISK_TIME_OF_DAY_WEIGHT (riskHeuristic.timeOfDayWeight)']);
  });

  it('a good one starts the server', async () => {
    const h = await startServer('embedded', { env: { SEF_RISK_TIME_OF_DAY_WEIGHT: '0', SEF_RISK_HISTORY_WINDOW: '604800' } });
    await h.close();
  });
});

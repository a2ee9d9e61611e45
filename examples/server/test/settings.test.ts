import { ConfigError } from '@sef/core';
import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../src/compose/settings.js';
import { simulationBanner } from '../src/compose/simulation-banner.js';
import { startServer } from './support/harness.js';

describe('server settings from the environment', () => {
  it('defaults: port 5000, auth on, embedded backends, simulated cloud and fleet', () => {
    const s = settingsFromEnv({});
    expect(s).toMatchObject({ PORT: 5000, SEF_AUTH: true, SEF_CLOUD: 'simulated', simulate: { cloud: true, fleet: true }, SEF_BODY_LIMIT: 4 * 1024 * 1024 });
    expect(s.DATABASE_URL).toBeUndefined();
    expect(s.REDIS_URL).toBeUndefined();
  });

  it('SEF_AUTH=off and SEF_SIMULATE=cloud turn off auth and the fleet', () => {
    expect(settingsFromEnv({ SEF_AUTH: 'off', SEF_SIMULATE: 'cloud' })).toMatchObject({ SEF_AUTH: false, simulate: { cloud: true, fleet: false } });
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

  it('SEF_LEASE_TTL_MS: 15 s by default, a whole number of milliseconds above 0', () => {
    expect(settingsFromEnv({}).SEF_LEASE_TTL_MS).toBe(15_000);
    expect(settingsFromEnv({ SEF_LEASE_TTL_MS: '3000' }).SEF_LEASE_TTL_MS).toBe(3000);
    expect(() => settingsFromEnv({ SEF_LEASE_TTL_MS: '0' })).toThrow(/SEF_LEASE_TTL_MS/);
  });

  it('SEF_CLOUD=aws needs AWS_REGION', () => {
    expect(() => settingsFromEnv({ SEF_CLOUD: 'aws' })).toThrow(/AWS_REGION/);
    expect(settingsFromEnv({ SEF_CLOUD: 'aws', AWS_REGION: 'us-east-1' }).SEF_CLOUD).toBe('aws');
  });
});

describe('simulation is the default only without a real backend', () => {
  const issues = (env: Record<string, string>) => {
    try {
      settingsFromEnv(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
      throw e;
    }
    return [];
  };
  const db = { DATABASE_URL: 'postgres://127.0.0.1/x' };
  const redis = { REDIS_URL: 'redis://127.0.0.1:6379' };

  it.each([db, redis, { ...db, ...redis }])('with a real backend (%o) nothing is simulated by default, and SEF refuses to start without a cloud', (env) => {
    expect(issues(env)).toEqual(['SEF_CLOUD: no cloud to launch replicas in: set SEF_CLOUD=aws (EC2), or SEF_SIMULATE=cloud for a simulated one']);
  });

  it('with a real backend the simulated cloud and fleet run only when asked for, each by name', () => {
    expect(settingsFromEnv({ ...db, SEF_SIMULATE: 'cloud' }).simulate).toEqual({ cloud: true, fleet: false });
    expect(settingsFromEnv({ ...db, SEF_SIMULATE: 'fleet,cloud' }).simulate).toEqual({ cloud: true, fleet: true });
    expect(settingsFromEnv({ ...db, SEF_CLOUD: 'simulated' }).simulate).toEqual({ cloud: true, fleet: false });
  });

  it('with SEF_CLOUD=aws the fake fleet never runs, and asking for it is an error', () => {
    expect(settingsFromEnv({ SEF_CLOUD: 'aws', AWS_REGION: 'us-east-1' }).simulate).toEqual({ cloud: false, fleet: false });
    expect(settingsFromEnv({ ...db, SEF_CLOUD: 'aws', AWS_REGION: 'us-east-1' }).simulate).toEqual({ cloud: false, fleet: false });
    expect(issues({ SEF_CLOUD: 'aws', AWS_REGION: 'us-east-1', SEF_SIMULATE: 'fleet' })).toEqual([
      'SEF_SIMULATE: nothing is simulated with SEF_CLOUD=aws (the simulated fleet never runs against a real cloud)',
    ]);
  });

  it('a fleet without the simulated cloud, or a list that is not one, is refused', () => {
    expect(issues({ ...db, SEF_SIMULATE: 'fleet' })).toEqual(['SEF_SIMULATE: the simulated fleet needs the simulated cloud: SEF_SIMULATE=fleet,cloud']);
    expect(issues({ SEF_SIMULATE: 'fleet,prices' })).toEqual(["SEF_SIMULATE: expected 'none' or a comma-separated list of fleet, cloud"]);
    expect(issues({ SEF_SIMULATE: 'none' })).toEqual(['SEF_CLOUD: no cloud to launch replicas in: set SEF_CLOUD=aws (EC2), or SEF_SIMULATE=cloud for a simulated one']);
  });

  it('the start banner says what is simulated, and says so when nothing is', () => {
    const backends = { storage: 'postgres', buffer: 'redis', leases: 'redis', cloud: 'simulated (zero latencies)' };
    const banner = simulationBanner(settingsFromEnv({ ...db, SEF_SIMULATE: 'cloud,fleet' }), backends);
    expect(banner).toContain('SIMULATED cloud: no instance is really launched');
    expect(banner).toContain('SIMULATED fleet: 4 fake agents send fake prices into the postgres storage');
    const real = simulationBanner(settingsFromEnv({ ...db, SEF_CLOUD: 'aws', AWS_REGION: 'us-east-1' }), { ...backends, cloud: 'aws (us-east-1)' });
    expect(real).toBe('Nothing is simulated: storage postgres, buffer redis, leases redis, cloud aws (us-east-1).');
    expect(simulationBanner(settingsFromEnv({}), { ...backends, storage: 'memory', buffer: 'memory', leases: 'memory' })).toContain('Storage in memory');
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

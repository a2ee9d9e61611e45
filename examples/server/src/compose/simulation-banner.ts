import type { Composition } from './compose.js';
import type { ServerSettings } from './settings.js';

/**
 * The start banner's word on what is real and what is simulated, so nobody mistakes a demo for a
 * deployment (or the other way round).
 * @example
 * process.stdout.write(simulationBanner(settings, composition.backends));
 */
export function simulationBanner(settings: Pick<ServerSettings, 'simulate' | 'SEF_FLEET_AGENTS'>, backends: Composition['backends']): string {
  const lines: string[] = [];
  if (settings.simulate.cloud) lines.push(`SIMULATED cloud: no instance is really launched, priced or routed (${backends.cloud}).`);
  if (settings.simulate.fleet) lines.push(`SIMULATED fleet: ${settings.SEF_FLEET_AGENTS} fake agents send fake prices into the ${backends.storage} storage.`);
  if (backends.storage === 'memory') lines.push('Storage in memory: everything is lost on exit (set DATABASE_URL for PostgreSQL).');
  if (lines.length === 0) return `Nothing is simulated: storage ${backends.storage}, buffer ${backends.buffer}, leases ${backends.leases}, cloud ${backends.cloud}.`;
  return lines.join('\n');
}

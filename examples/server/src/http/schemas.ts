import { z } from 'zod';

/** Longest id accepted in a path or a body, like the core's report ids. */
const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only');
/** Unix seconds; query strings arrive as text. */
const seconds = z.coerce.number().finite().nonnegative();

export const agentParams = z.strictObject({ id });

export const registerBody = z.strictObject({
  id,
  instanceId: id,
  poolId: z.string().min(1).max(128),
  region: z.string().min(1).max(64).optional(),
});

/** Reports are checked one by one by the core (a bad report is rejected, the rest accepted), so only the batch is checked here. */
export const pricingBody = z.strictObject({
  reports: z.array(z.unknown()).min(1).max(5000),
});

export const heartbeatBody = z.strictObject({
  instanceId: id,
  state: z.enum(['syncing', 'ready']),
});

export const interruptionBody = z.strictObject({
  signal_type: z.enum(['rebalance-recommendation', 'termination-notice']),
  instanceId: id.optional(),
  notice_time: z.number().finite().nonnegative().optional(),
  action_time: z.number().finite().nonnegative().optional(),
});

export const pricesQuery = z.strictObject({
  pool: z.string().min(1).max(128).optional(),
  from: seconds.optional(),
  to: seconds.optional(),
});

/** `?days=` of the monitoring queries. */
export const daysQuery = (def: number) =>
  z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(def) });

/** An empty JSON body or none at all, for the mode toggles. */
export const emptyBody = z.strictObject({}).nullish();

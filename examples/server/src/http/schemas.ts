import { maxIdLength, maxRegionLength, maxUnixSeconds, textProblem } from '@sef/core';
import { z } from 'zod';

/** Free text (a pool id, a region): the core's limits of every id (length, no control character, no lone surrogate). */
const text = (maxLength: number) =>
  z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      const problem = textProblem(value, maxLength);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem.message, params: { reason: problem.code } });
    });

/** An agent or instance id in a path or a body: the core's length limit, and a plain alphabet (it goes in URLs and tokens). */
const id = z.string().min(1).max(maxIdLength).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only');
/** Unix seconds in a body: finite, not negative, not after year 9999 (what every store can hold). */
const bodySeconds = z.number().finite().nonnegative().max(maxUnixSeconds);
/** Unix seconds in a query string (arrives as text). */
const querySeconds = z.coerce.number().finite().nonnegative().max(maxUnixSeconds);

export const agentParams = z.strictObject({ id });

/** A notice's id is made of the agent's and instance's ids, the signal type and the notice time, joined by `~`. */
export const noticeParams = z.strictObject({ id, noticeId: z.string().min(1).max(400).regex(/^[A-Za-z0-9._:~-]+$/, 'a notice id') });

export const registerBody = z.strictObject({
  id,
  instanceId: id,
  poolId: text(maxIdLength),
  region: text(maxRegionLength).optional(),
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
  notice_time: bodySeconds.optional(),
  action_time: bodySeconds.optional(),
});

export const pricesQuery = z.strictObject({
  pool: text(maxIdLength).optional(),
  from: querySeconds.optional(),
  to: querySeconds.optional(),
});

/** `?days=` of the monitoring queries. */
export const daysQuery = (def: number) =>
  z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(def) });

/** An empty JSON body or none at all, for the mode toggles. */
export const emptyBody = z.strictObject({}).nullish();

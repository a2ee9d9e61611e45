import type { RiskInput, RiskModel } from '@sef/core';

/** Options of {@link createHttpRiskModel}. */
export interface HttpRiskModelOptions {
  /** Where the features are POSTed (`SEF_RISK_MODEL_URL`). */
  readonly url: string;
  /** Largest answer read; a longer one is a failure (the heuristic takes over). @default 65536 */
  readonly maxResponseBytes?: number;
}

/** The JSON POSTed to the model: the heuristic's features of one running instance. */
export interface RiskModelRequest {
  readonly agent_id: string;
  readonly pool_id: string;
  readonly instance_id: string | null;
  /** Unix seconds. */
  readonly now: number;
  /** The heuristic's factors, each in [0, 1]. */
  readonly factors: { readonly interruption_history: number; readonly instance_age: number; readonly price_volatility: number };
}

/**
 * A risk model behind an HTTP endpoint: POSTs {@link RiskModelRequest} as JSON and reads `{ "score": s }`
 * back, `s` a number in [0, 1]. Every failure (connection refused, a status other than 2xx, a body that is
 * not JSON, has no numeric `score` or is over `maxResponseBytes`) throws, and SEF's deadline
 * (`riskModelTimeout`) aborts the request; either way the core falls back to its heuristic and emits
 * `risk.model_fallback` with the reason. A score outside [0, 1] is returned as is and refused by the core.
 * @example
 * const riskModel = createHttpRiskModel({ url: 'http://127.0.0.1:8080/score' });
 * const sef = createSef({ storage, cloud, riskModel });
 */
export function createHttpRiskModel(options: HttpRiskModelOptions): RiskModel {
  const url = new URL(options.url);
  const limit = options.maxResponseBytes ?? 65_536;
  return {
    // The origin and path, never credentials: this name is stored with every score (`source`).
    name: `http ${url.host}${url.pathname}`,
    async score(input: RiskInput, { signal }): Promise<number> {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(requestBody(input)), signal });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      const text = await readLimited(res, limit);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`not JSON: ${JSON.stringify(text.slice(0, 40))}`);
      }
      const score = typeof body === 'object' && body !== null ? (body as { score?: unknown }).score : undefined;
      if (typeof score !== 'number') throw new Error(`no numeric "score" in the answer (got ${JSON.stringify(score) ?? 'nothing'})`);
      return score;
    },
  };
}

function requestBody(input: RiskInput): RiskModelRequest {
  const f = input.factors;
  return {
    agent_id: input.agentId,
    pool_id: input.poolId,
    instance_id: input.instanceId ?? null,
    now: Math.floor(input.now / 1000),
    factors: { interruption_history: f.interruptionHistory, instance_age: f.instanceAge, price_volatility: f.priceVolatility },
  };
}

/** The body as text, refused (and the connection dropped) once it passes `limit` bytes. */
async function readLimited(res: Response, limit: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > limit) {
    await res.body?.cancel();
    throw new Error(`answer of ${declared} bytes is over ${limit}`);
  }
  if (res.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > limit) throw new Error(`answer over ${limit} bytes`);
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

import type { AgentRecord, AgentStore } from '@sef/core';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';
import { bearerToken, claimedAgent, secretsEqual, tokenMatchesHash } from './tokens.js';

/** Who may call a route. `agent` routes take the path agent's own token; `agent-or-admin` also the admin. */
export type Audience = 'admin' | 'agent' | 'agent-or-admin';

/** Who the caller turned out to be; an agent with the record its token was checked against. */
export type Principal = { readonly kind: 'admin' } | { readonly kind: 'agent'; readonly agentId: string; readonly agent: AgentRecord };

export interface AuthOptions {
  /** The admin bearer token; ignored when `enabled` is false. */
  readonly adminToken: string;
  /** `SEF_AUTH=off` turns every check off (development only; the server says so loudly). @default true */
  readonly enabled: boolean;
  readonly agents: Pick<AgentStore, 'get'>;
}

const unauthorized = () => new HttpError(401, 'UNAUTHORIZED', 'Missing or invalid bearer token');
const forbidden = (message: string) => new HttpError(403, 'FORBIDDEN', message);

/**
 * Checks the caller of a route against its audience. Agent tokens are checked against the hash stored
 * with the agent (constant time); an agent token reaches its own agent's paths only (else 403). A path
 * agent that does not exist is left to the route (404) once the caller is known to be the admin.
 */
export function createAuthenticator(options: AuthOptions) {
  const { adminToken, enabled, agents } = options;

  async function principalOf(token: string): Promise<Principal | undefined> {
    if (secretsEqual(token, adminToken)) return { kind: 'admin' };
    const agentId = claimedAgent(token);
    if (agentId === undefined) return undefined;
    const agent = await agents.get(agentId);
    if (!agent?.tokenHash || !tokenMatchesHash(token, agent.tokenHash)) return undefined;
    return { kind: 'agent', agentId, agent };
  }

  return async function authenticate(request: FastifyRequest, audience: Audience): Promise<Principal> {
    if (!enabled) return { kind: 'admin' };
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) throw unauthorized();
    const principal = await principalOf(token);
    if (!principal) throw unauthorized();
    if (principal.kind === 'admin') {
      if (audience === 'agent') throw forbidden('This path takes the agent token, not the admin token');
      return principal;
    }
    if (audience === 'admin') throw forbidden('This path needs the admin token');
    const pathAgent = (request.params as { id?: string } | undefined)?.id;
    if (pathAgent !== principal.agentId) throw forbidden("An agent token reaches only its own agent's paths");
    return principal;
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;

import { compiled, DomainError, errorCatalog, errorStatus, type RequestContext } from '@tlp/contracts';
import { databaseBusy, type Logger } from '@tlp/platform';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { hasRole, type Principal } from '../auth';
import type { Backends } from '../backends';
import type { GatewayContext } from './context';
import type { HttpIdempotency, StoredResponse } from './idempotency';
import { buildOpenApi, docsPage } from './openapi';
import type { RateLimiter } from './rate-limit';
import { isMutating, parsePart, type Route } from './route';

export interface ApiDeps {
  routes: Route[];
  verify: (authorization: string | undefined) => Promise<Principal>;
  backends: Backends;
  bus: GatewayContext['bus'];
  idempotency: HttpIdempotency;
  checkout: GatewayContext['checkout'];
  sagas: GatewayContext['sagas'];
  rateLimiter: RateLimiter;
  logger: Logger;
  version: string;
}

/** RFC 9457 problem+json body for a typed error. */
export function problem(code: string, detail: string, details?: Record<string, unknown>): StoredResponse {
  const status = errorStatus(code);
  return {
    status,
    body: {
      type: `https://errors.tlp.example/${code.toLowerCase().replace(/_/g, '-')}`,
      title: errorCatalog[code]?.title ?? 'Error',
      status,
      code,
      detail,
      ...(details ? { details } : {}),
    },
  };
}

function send(res: Response, r: StoredResponse): void {
  const body = r.body as { code?: string; details?: { retryAfterSeconds?: number } } | undefined;
  // Set before send(): express types a string body it is given as text/html.
  res.type(r.status >= 400 ? 'application/problem+json' : 'application/json');
  if (r.status >= 400) {
    const retry = body?.details?.retryAfterSeconds ?? (r.status === 503 ? 5 : undefined);
    if (retry !== undefined) res.setHeader('Retry-After', String(retry));
  }
  res.status(r.status).send(JSON.stringify(r.body));
}

function toProblem(e: unknown, log: () => Logger): StoredResponse {
  if (e instanceof DomainError) return problem(e.code, e.message, e.details);
  const busy = databaseBusy(e);
  if (busy) {
    log().warn({ err: e }, 'database busy');
    return problem(busy.code, busy.message, busy.details);
  }
  log().error({ err: e }, 'unhandled error');
  return problem('INTERNAL', 'Internal error');
}

/** Mounts /v1 (every route: auth, role, rate limit, validation, idempotency), the OpenAPI document and /docs. */
export function mountApi(app: Express, deps: ApiDeps): void {
  const spec = buildOpenApi(deps.routes, deps.version);
  const docs = docsPage(deps.routes);
  // Answers are per caller and mostly POSTs: hashing every body for an ETag nobody sends back is waste.
  app.set('etag', false);
  app.use((req, res, next) => {
    const id = req.header('x-request-id')?.slice(0, 100) || randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    next();
  });
  app.use(express.json({ limit: '1mb', strict: false }));
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(spec);
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(docs);
  });

  for (const r of deps.routes) {
    app[r.method](`/v1${r.path}`, async (req: Request, res: Response) => {
      // Made when first used: most requests log nothing, and a child logger per request costs.
      let routeLog: Logger | undefined;
      const log = () => (routeLog ??= deps.logger.child({ requestId: res.locals.requestId, route: `${r.method.toUpperCase()} ${r.path}` }));
      try {
        const principal = await deps.verify(req.header('authorization'));
        if (!hasRole(principal, r.role)) throw new DomainError('FORBIDDEN', `This needs the ${r.role} role`);
        if (r.needsContact && !principal.contactId) throw new DomainError('FORBIDDEN', 'This needs a fan token with a contact id');
        await deps.rateLimiter.check(principal.tenantId, principal.sub, r.rateLimit ?? 'standard');
        const input = {
          params: parsePart(r.params, req.params, 'path'),
          query: parsePart(r.query, req.query, 'query'),
          body: parsePart(r.body, req.body, 'body'),
        };
        const key = req.header('idempotency-key');
        if (isMutating(r) && (!key || key.length > 200)) {
          throw new DomainError('VALIDATION_FAILED', 'Mutating requests need an Idempotency-Key header (1 to 200 characters)');
        }
        const request: RequestContext = {
          tenantId: principal.tenantId,
          requestId: res.locals.requestId as string,
          actor: { sub: principal.sub, roles: principal.roles, ...(principal.contactId ? { contactId: principal.contactId } : {}) },
          ...(key ? { idempotencyKey: key } : {}),
        };
        let tenantLog: Logger | undefined;
        const ctx: GatewayContext = {
          principal,
          request,
          backends: deps.backends,
          bus: deps.bus,
          get log() {
            return (tenantLog ??= log().child({ tenantId: principal.tenantId }));
          },
          checkout: deps.checkout,
          sagas: deps.sagas,
        };
        const execute = async (): Promise<StoredResponse> => {
          try {
            const result = await r.handle(ctx, input);
            const checked = compiled(r.response).safeParse(result);
            if (!checked.success) {
              log().error({ issues: checked.error.issues }, 'response breaks the route schema');
              return problem('INTERNAL', 'Internal error');
            }
            return { status: r.status ?? 200, body: checked.data };
          } catch (e) {
            return toProblem(e, log);
          }
        };
        if (!isMutating(r) || !key) return send(res, await execute());
        const outcome = await deps.idempotency.run(
          { tenantId: principal.tenantId, sub: principal.sub, key },
          { method: r.method, path: req.path, body: req.body },
          execute,
        );
        if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true');
        send(res, outcome);
      } catch (e) {
        send(res, toProblem(e, log));
      }
    });
  }

  app.use('/v1', (req, res) => send(res, problem('NOT_FOUND', `No route for ${req.method} ${req.originalUrl.split('?')[0]}`)));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; message?: string };
    if (e.type === 'entity.parse.failed' || e.type === 'entity.too.large' || e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
      return send(res, problem('VALIDATION_FAILED', e.message ?? 'Malformed request body'));
    }
    send(res, toProblem(err, () => deps.logger));
  });
}

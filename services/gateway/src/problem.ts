import { DomainError, errorCatalog, errorStatus } from '@tlp/contracts';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';

/** RFC 9457 problem+json with the stable code of the service that refused. */
export function sendProblem(res: Response, code: string, detail: string, extra: Record<string, unknown> = {}): void {
  const status = errorStatus(code);
  res
    .status(status)
    .type('application/problem+json')
    .json({
      type: `https://errors.tlp.example/${code.toLowerCase().replace(/_/g, '-')}`,
      title: errorCatalog[code]?.title ?? 'Error',
      status,
      code,
      detail,
      ...extra,
    });
}

export function problemHandlers(): { notFound: RequestHandler; errors: ErrorRequestHandler } {
  return {
    notFound: (req, res) => sendProblem(res, 'NOT_FOUND', `No route for ${req.method} ${req.path}`),
    errors: (err: unknown, _req, res, _next) => {
      if (err instanceof DomainError) {
        if (err.code === 'UNAVAILABLE' || err.code === 'TIMEOUT') res.setHeader('Retry-After', '5');
        sendProblem(res, err.code, err.message, err.details ? { details: err.details } : {});
        return;
      }
      const e = err as { type?: string; status?: number; message?: string };
      // express.json() refusing a body: the client's fault, said so.
      if (e.type === 'entity.parse.failed' || e.type === 'entity.too.large' || e.status === 400) {
        sendProblem(res, 'VALIDATION_FAILED', e.message ?? 'Malformed request body');
        return;
      }
      res.locals.log?.error?.({ err }, 'unhandled error');
      sendProblem(res, 'INTERNAL', 'Internal error');
    },
  };
}

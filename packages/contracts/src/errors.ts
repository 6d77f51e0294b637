/**
 * Stable error codes. A code never changes meaning once published: clients (webshop, box office,
 * back office) branch on it. Each code carries the HTTP status the gateway answers with.
 */
export const platformErrors = {
  VALIDATION_FAILED: { status: 400, title: 'The request does not match the contract' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  FORBIDDEN: { status: 403, title: 'Not allowed for this role' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflicts with the current state' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency key reused with different parameters' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  INTERNAL: { status: 500, title: 'Internal error' },
  UNAVAILABLE: { status: 503, title: 'A service is unavailable' },
  TIMEOUT: { status: 503, title: 'A service did not answer in time' },
} as const satisfies ErrorCatalog;

export interface ErrorSpec {
  status: number;
  title: string;
}
export type ErrorCatalog = Record<string, ErrorSpec>;

/** Lets each service's contract declare its own codes while keeping the catalog's type. */
export function defineErrors<const T extends ErrorCatalog>(catalog: T): T {
  return catalog;
}

/**
 * An expected failure with a stable code ("code expired", "insufficient points").
 * Thrown across layers, turned into an error reply by the request server and into
 * problem+json by the gateway.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;

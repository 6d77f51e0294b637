import { ApiProblem, toProblem } from './problem';

/**
 * The only way the app talks to the gateway: adds the bearer token, an Idempotency-Key on every
 * mutation, and turns any failure (problem+json, a bare status, no network) into an ApiProblem.
 */
export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** For mutations: the same key replays the first answer, so a retried submit is safe. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class ApiClient {
  constructor(
    private readonly token: () => string | undefined,
    private readonly onUnauthenticated: () => void,
    private readonly base = '',
  ) {}

  async request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(`${this.base}/v1${path}`, window.location.origin);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    const token = this.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers['idempotency-key'] = opts.idempotencyKey ?? crypto.randomUUID();
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: opts.signal });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiProblem({ status: 0, code: 'NETWORK', title: 'Network error', detail: (e as Error).message });
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const problem = toProblem(res.status, body, res.statusText);
      const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
      if (Number.isFinite(retryAfter) && retryAfter >= 0) problem.retryAfterSeconds = retryAfter;
      if (problem.code === 'UNAUTHENTICATED') this.onUnauthenticated();
      throw new ApiProblem(problem);
    }
    return body as T;
  }

  /** A file the gateway serves behind the token (a code list): fetched, then handed to the browser. */
  async download(path: string, filename: string): Promise<void> {
    const token = this.token();
    const res = await fetch(`${this.base}/v1${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }).catch((e: unknown) => {
      throw new ApiProblem({ status: 0, code: 'NETWORK', title: 'Network error', detail: (e as Error).message });
    });
    if (!res.ok) {
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      throw new ApiProblem(toProblem(res.status, body, res.statusText));
    }
    const url = URL.createObjectURL(await res.blob());
    const a = Object.assign(document.createElement('a'), { href: url, download: filename });
    a.click();
    URL.revokeObjectURL(url);
  }

  get<T>(path: string, opts?: Omit<RequestOptions, 'body' | 'idempotencyKey'>): Promise<T> {
    return this.request<T>('GET', path, opts);
  }
}

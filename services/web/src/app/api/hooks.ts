import { useCallback, useEffect, useRef, useState } from 'react';
import { useSession } from '../session';
import type { Method } from './client';
import { ApiProblem } from './problem';

export interface Query<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  /** The read failed for a moment and will be asked again by itself. */
  retrying?: boolean;
  reload(): void;
}

const AUTO_RETRIES = 10;

/**
 * A read the gateway could not serve for a moment (a service down or slow: 503; too many
 * requests: 429; no network) is asked again by itself after the Retry-After the gateway gave
 * (5 s without one), then less often up to every 30 s, ten times at most: a screen left open
 * recovers once the service is back, without anyone pressing "Try again". Anything else is final.
 */
function autoRetryDelayMs(error: unknown, attempt: number): number | undefined {
  if (!(error instanceof ApiProblem) || attempt >= AUTO_RETRIES) return undefined;
  const { status, retryAfterSeconds } = error.problem;
  if (status !== 0 && status !== 429 && status !== 503) return undefined;
  return Math.min(30, Math.max(1, retryAfterSeconds ?? 5) * 2 ** attempt) * 1000;
}

/** A GET that reloads when its path changes; the previous one is aborted. */
export function useQuery<T>(path: string | undefined, query?: Record<string, string | number | undefined>): Query<T> {
  const { api } = useSession();
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean; retrying?: boolean }>({ loading: path !== undefined });
  const [tick, setTick] = useState(0);
  const attempts = useRef(0);
  const queryKey = JSON.stringify(query ?? {});
  useEffect(() => {
    attempts.current = 0;
  }, [path, queryKey]);
  useEffect(() => {
    if (path === undefined) return;
    const ctrl = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    setState((s) => ({ ...s, loading: true }));
    api
      .get<T>(path, { query: JSON.parse(queryKey) as Record<string, string>, signal: ctrl.signal })
      .then((data) => {
        attempts.current = 0;
        setState({ data, loading: false });
      })
      .catch((error: unknown) => {
        if (ctrl.signal.aborted) return;
        const delay = autoRetryDelayMs(error, attempts.current);
        if (delay !== undefined) {
          retry = setTimeout(() => {
            attempts.current += 1;
            setTick((t) => t + 1);
          }, delay);
        }
        setState({ error, loading: false, retrying: delay !== undefined });
      });
    return () => {
      ctrl.abort();
      clearTimeout(retry);
    };
  }, [api, path, queryKey, tick]);
  const reload = useCallback(() => {
    attempts.current = 0;
    setTick((t) => t + 1);
  }, []);
  return { ...state, reload };
}

export interface Mutation<B, T> {
  /** `path` overrides the hook's own, for actions on one row of a list. */
  run(body: B, path?: string): Promise<T | undefined>;
  result?: T;
  error?: unknown;
  pending: boolean;
  reset(): void;
}

/**
 * A mutation whose Idempotency-Key stays the same while the person retries the same values
 * (a double click, a retry after a network error), and changes as soon as the values change or
 * the previous attempt succeeded.
 */
export function useMutation<B, T>(method: Exclude<Method, 'GET'>, path: string): Mutation<B, T> {
  const { api } = useSession();
  const attempt = useRef<{ body: string; key: string } | undefined>(undefined);
  const [state, setState] = useState<{ result?: T; error?: unknown; pending: boolean }>({ pending: false });

  const run = useCallback(
    async (body: B, at: string = path) => {
      const json = `${at} ${JSON.stringify(body)}`;
      if (attempt.current?.body !== json) attempt.current = { body: json, key: crypto.randomUUID() };
      setState({ pending: true });
      try {
        const result = await api.request<T>(method, at, { body, idempotencyKey: attempt.current.key });
        attempt.current = undefined;
        setState({ result, pending: false });
        return result;
      } catch (error) {
        // A definite refusal will not change on retry with the same key; a fresh key lets the
        // person correct and resubmit.
        if (error instanceof ApiProblem && error.problem.status >= 400 && error.problem.status < 500) attempt.current = undefined;
        setState({ error, pending: false });
        return undefined;
      }
    },
    [api, method, path],
  );
  const reset = useCallback(() => setState({ pending: false }), []);
  return { ...state, run, reset };
}

import { useCallback, useEffect, useRef, useState } from 'react';
import { useSession } from '../session';
import type { Method } from './client';
import { ApiProblem } from './problem';

export interface Query<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  reload(): void;
}

/** A GET that reloads when its path changes; the previous one is aborted. */
export function useQuery<T>(path: string | undefined, query?: Record<string, string | number | undefined>): Query<T> {
  const { api } = useSession();
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: path !== undefined });
  const [tick, setTick] = useState(0);
  const queryKey = JSON.stringify(query ?? {});
  useEffect(() => {
    if (path === undefined) return;
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api
      .get<T>(path, { query: JSON.parse(queryKey) as Record<string, string>, signal: ctrl.signal })
      .then((data) => setState({ data, loading: false }))
      .catch((error: unknown) => {
        if (!ctrl.signal.aborted) setState({ error, loading: false });
      });
    return () => ctrl.abort();
  }, [api, path, queryKey, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
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

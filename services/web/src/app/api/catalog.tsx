import { Alert, Code, Text } from '@mantine/core';
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { useQuery, type Query } from './hooks';

/**
 * The gateway's OpenAPI document, read once: screens check that the routes they need are
 * offered before calling them, and say so plainly when a route is not there.
 */
export interface OpenApiDocument {
  info?: { title?: string; version?: string };
  paths?: Record<string, Record<string, { tags?: string[]; summary?: string }>>;
}

export interface Operation {
  method: string;
  path: string;
  tag: string;
  summary: string;
}

interface Catalog {
  query: Query<OpenApiDocument>;
  operations: Operation[];
  has(method: string, path: string): boolean;
}

const CatalogContext = createContext<Catalog | undefined>(undefined);

export function CatalogProvider({ children }: { children: ReactNode }) {
  const query = useQuery<OpenApiDocument>('/openapi.json');
  const value = useMemo<Catalog>(() => {
    const operations = Object.entries(query.data?.paths ?? {}).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, tag: op.tags?.[0] ?? 'other', summary: op.summary ?? '' })),
    );
    const keys = new Set(operations.map((o) => `${o.method} ${o.path}`));
    return { query, operations, has: (method, path) => keys.has(`${method.toUpperCase()} /v1${path}`) };
  }, [query]);
  return <CatalogContext.Provider value={value}>{children}</CatalogContext.Provider>;
}

export function useCatalog(): Catalog {
  const c = useContext(CatalogContext);
  if (!c) throw new Error('useCatalog outside CatalogProvider');
  return c;
}

/**
 * Shows its children only when the gateway offers every route listed (OpenAPI paths, e.g.
 * `GET /loyalty/programs/{programId}`); otherwise names the missing ones. Without children it is
 * only that notice, above a screen that stays usable (a form whose submit would fail).
 */
export function RequiresRoutes({ routes, children }: { routes: string[]; children?: ReactNode }) {
  const catalog = useCatalog();
  if (catalog.query.data === undefined) return catalog.query.error === undefined ? null : <>{children ?? null}</>;
  const missing = routes.filter((r) => {
    const [method = '', path = ''] = r.split(' ');
    return !catalog.has(method, path);
  });
  if (missing.length === 0) return <>{children ?? null}</>;
  return (
    <Alert color="blue" variant="light" title="Not offered by this gateway yet" role="status">
      <Text size="sm">This screen needs routes the gateway does not offer yet:</Text>
      {missing.map((m) => (
        <Code key={m} block mt={4}>
          {m.replace(' ', ' /v1')}
        </Code>
      ))}
    </Alert>
  );
}

import SwaggerParser from '@apidevtools/swagger-parser';
import { z } from 'zod';
import { buildOpenApi } from '../src/http/openapi';
import { isMutating } from '../src/http/route';
import { allRoutes } from '../src/routes';

describe('OpenAPI document', () => {
  const spec = buildOpenApi(allRoutes, 'test') as { openapi: string; paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>> };

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(spec.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(spec) as never)).resolves.toBeDefined();
  });

  it('describes every route once, with its path parameters and, for mutations, the Idempotency-Key header', () => {
    const seen = new Set<string>();
    for (const r of allRoutes) {
      const path = `/v1${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
      const key = `${r.method} ${path}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      const op = spec.paths[path]?.[r.method];
      expect(op).toBeDefined();
      const names = (op?.parameters ?? []).map((p) => `${p.in}:${p.name}`);
      for (const m of r.path.matchAll(/:([A-Za-z0-9_]+)/g)) expect(names).toContain(`path:${m[1]}`);
      if (isMutating(r)) expect(names).toContain('header:Idempotency-Key');
    }
  });
});

describe('route schemas', () => {
  it("compile ahead of time, every route's path, query, body and response: none falls back to zod's slower interpreter unnoticed", () => {
    const refused = allRoutes.flatMap((r) =>
      (['params', 'query', 'body', 'response'] as const).flatMap((part) => {
        const schema = r[part];
        if (!schema) return [];
        try {
          z.compile(schema, { strict: true });
          return [];
        } catch (e) {
          return [`${r.method} ${r.path} ${part}: ${(e as Error).message}`];
        }
      }),
    );
    expect(refused).toEqual([]);
  });
});

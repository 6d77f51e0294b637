import { z } from 'zod';
import { isMutating, openApiPath, type Route } from './route';

type JsonSchema = Record<string, unknown>;

const schemaOf = (s: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  code: z.string().describe('Stable error code, e.g. INSUFFICIENT_POINTS'),
  detail: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** The OpenAPI 3.1 document, built from the same zod schemas the routes validate with. */
export function buildOpenApi(routes: Route[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const path = `/v1${openApiPath(r.path)}`;
    const status = String(r.status ?? 200);
    const parameters = [...parametersOf(r.params, 'path'), ...parametersOf(r.query, 'query')];
    if (isMutating(r)) {
      parameters.push({ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', minLength: 1, maxLength: 200 } });
    }
    (paths[path] ??= {})[r.method] = {
      tags: [r.tag],
      summary: r.summary,
      description: `Requires the role ${r.role} or above${r.needsContact ? ' and a contact id in the token' : ''}.`,
      operationId: `${r.method}${openApiPath(r.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } } } : {}),
      responses: {
        [status]: { description: 'Success', content: { 'application/json': { schema: schemaOf(r.response, 'output') } } },
        default: { description: 'Error (RFC 9457)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Ticketing loyalty platform API',
      version,
      description: 'Loyalty, promotions, vouchers, season-ticket renewal and partner points. The tenant always comes from the token.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: schemaOf(Problem, 'output') },
    },
    paths,
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** A readable page of the API that needs nothing from the internet. */
export function docsPage(routes: Route[]): string {
  const byTag = new Map<string, Route[]>();
  for (const r of routes) byTag.set(r.tag, [...(byTag.get(r.tag) ?? []), r]);
  const sections = [...byTag.entries()]
    .map(
      ([tag, rs]) => `<section><h2>${escapeHtml(tag)}</h2>${rs
        .map(
          (r) => `<details><summary><code>${r.method.toUpperCase()} /v1${escapeHtml(r.path)}</code> ${escapeHtml(r.summary)} <small>(${r.role})</small></summary>
${r.body ? `<h4>Body</h4><pre>${escapeHtml(JSON.stringify(schemaOf(r.body, 'input'), null, 2))}</pre>` : ''}
<h4>Response</h4><pre>${escapeHtml(JSON.stringify(schemaOf(r.response, 'output'), null, 2))}</pre></details>`,
        )
        .join('\n')}</section>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>API documentation</title><style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}pre{background:#f4f4f4;padding:.5rem;overflow:auto}summary{cursor:pointer;padding:.25rem 0}</style></head>
<body><h1>Ticketing loyalty platform API</h1><p>Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a>. Errors are <code>application/problem+json</code> with a stable <code>code</code>.</p>${sections}</body></html>`;
}

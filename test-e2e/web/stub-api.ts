/**
 * Answers the web app's calls to gateway routes that are not written yet, inside the browser
 * (playwright's request interception), and lists them in the OpenAPI document the app reads.
 * It stands in only for the HTTP routes the screens wait for, so their behaviour (steps,
 * progress, amounts, error messages) is tested now; once the gateway offers the routes, the
 * same flows run against the platform itself.
 */
import type { Page, Request } from 'playwright-core';

export interface StubCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string>;
}

export type StubReply = { status?: number; body: unknown };
export type StubHandler = (call: StubCall, params: Record<string, string>) => StubReply;

const problem = (status: number, code: string, detail: string): StubReply => ({ status, body: { type: `https://errors.tlp.example/${code.toLowerCase()}`, title: code, status, code, detail } });
export { problem };

export async function stubApi(page: Page, handlers: Record<string, StubHandler>): Promise<StubCall[]> {
  const calls: StubCall[] = [];
  const table = Object.entries(handlers).map(([key, handle]) => {
    const [method = '', template = ''] = key.split(' ');
    const names: string[] = [];
    const re = new RegExp(
      `^/v1${template.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, n: string) => {
        names.push(n);
        return '([^/]+)';
      })}$`,
    );
    return { method, template, re, names, handle };
  });
  const paths: Record<string, Record<string, { tags: string[]; summary: string }>> = {};
  for (const t of table) (paths[`/v1${t.template}`] ??= {})[t.method.toLowerCase()] = { tags: ['stub'], summary: 'stubbed' };

  await page.route('**/v1/**', async (route) => {
    const req: Request = route.request();
    const url = new URL(req.url());
    if (url.pathname === '/v1/openapi.json') {
      return route.fulfill({ json: { openapi: '3.1.0', info: { title: 'Ticketing loyalty platform API', version: 'stub' }, paths } });
    }
    const hit = table.map((t) => ({ t, m: t.method === req.method() ? t.re.exec(url.pathname) : null })).find((x) => x.m);
    const call: StubCall = { method: req.method(), path: url.pathname, query: url.searchParams, body: req.postDataJSON() as unknown, headers: req.headers() };
    calls.push(call);
    const reply = hit ? hit.t.handle(call, Object.fromEntries(hit.t.names.map((n, i) => [n, decodeURIComponent(hit.m![i + 1]!)]))) : problem(404, 'NOT_FOUND', `No route for ${req.method()} ${url.pathname}`);
    return route.fulfill({
      status: reply.status ?? 200,
      contentType: (reply.status ?? 200) >= 400 ? 'application/problem+json' : 'application/json',
      body: JSON.stringify(reply.body),
    });
  });
  return calls;
}

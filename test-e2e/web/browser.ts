/**
 * Browser tests' kit: Debian's Chromium driven by playwright-core, the web app's own server
 * pointed at a harness platform's gateway, screenshots under test-e2e/artifacts/web, and an
 * axe-core check.
 */
import AxeBuilder from '@axe-core/playwright';
import { ContactRegistered, jsonCodec } from '@tlp/contracts';
import { connectNats, eventually } from '@tlp/testkit';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { freePort, Platform, root, type PlatformOptions } from '../harness';

export const chromiumPath = '/usr/bin/chromium';
export const artifacts = join(root, 'test-e2e/artifacts/web');

/** Installs Chromium when absent (as root), like a fresh CI machine needs. */
export function ensureChromium(): void {
  execFileSync('bash', [join(__dirname, 'ensure-chromium.sh')], { stdio: 'inherit', timeout: 600_000 });
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'tlp-chromium-'));
  // A persistent context is how playwright takes a --user-data-dir: a fresh one per run.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface WebServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * The web app's server as `pnpm start` runs it, forwarding /v1 to the given gateway. Like the
 * harness's services, it starts again on another port when another process took the free one
 * first (it then exits, and that process answers without saying it is the web app).
 */
export async function startWeb(gatewayUrl: string): Promise<WebServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(root, 'services/web/src/serve.ts')], {
      cwd: root,
      env: { ...process.env, GATEWAY_URL: gatewayUrl, HTTP_PORT: String(port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) break;
      const health = await fetch(`${url}/readyz`).then((r) => (r.ok ? (r.json() as Promise<{ service?: string }>) : undefined), () => undefined);
      if (health?.service === 'web') {
        return {
          url,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
          },
        };
      }
      if (Date.now() > deadline) throw new Error('web server not ready');
      await new Promise((r) => setTimeout(r, 200));
    }
    if (attempt >= 3) throw new Error(`web server exited with ${child.exitCode}`);
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Serious and critical axe violations of the page, as short lines for a readable failure. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

/** Logs in through the log-in screen with a pasted token. */
export async function logIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
}

export interface WebPlatform {
  platform: Platform;
  web: WebServer;
  browser: Browser;
  stop(): Promise<void>;
}

/** A browser test file's world: the whole platform, the web server in front of its gateway, and Chromium. */
export async function startWebPlatform(opts: PlatformOptions): Promise<WebPlatform> {
  const platform = await new Platform(opts).start();
  const web = await startWeb(platform.gatewayUrl);
  const browser = await launchBrowser();
  return {
    platform,
    web,
    browser,
    stop: async () => {
      await browser.close();
      await web.stop();
      await platform.stop();
    },
  };
}

/** A new tab at a desktop size without motion; each tab has its own session (the token is in sessionStorage). */
export async function openPage(browser: Browser): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ reducedMotion: 'reduce' });
  return page;
}

type Call = ReturnType<Platform['client']>;

export interface SimulatedPartner {
  partnerId: string;
  /** What the partner holds: its members' points and the authorisations orders asked for. */
  books(): Promise<{ members: { externalRef: string; points: number }[]; authorisations: { orderId: string; status: string }[] }>;
  /** The ticketing system registers the contact; partner-sync shares them with the partner, who then knows them. */
  register(contactId: string): Promise<void>;
  credit(contactId: string, points: number): Promise<void>;
  /** The partner stops (or starts again) answering. */
  setDown(down: boolean): Promise<void>;
}

/**
 * "Rewards4Rugby" played by the harness's partner simulator, linked to a tenant through the
 * gateway as an admin links a real partner; the simulator's control API stands in for the partner's
 * own staff (crediting points, going down).
 */
export async function simulatedPartner(
  platform: Platform,
  admin: Call,
  tenant: string,
  opts: { apiKey: string; conversion: { points: number; amountMinor: number; currency: string } },
): Promise<SimulatedPartner> {
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> =>
    (await (await fetch(`${platform.simulatorUrl}/_control${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined })).json()) as T;
  const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
  const outbound = secret();
  await control('POST', '/accounts', { apiKey: opts.apiKey, verifySecrets: [outbound] });
  const linked = await admin<{ partnerId: string }>('POST', '/v1/partners', {
    name: 'Rewards4Rugby',
    apiBaseUrl: platform.simulatorUrl,
    apiKey: opts.apiKey,
    wording: { en: 'Rugby points' },
    conversion: opts.conversion,
    inboundSecrets: [secret()],
    outboundSecrets: [outbound],
  });
  if (linked.status !== 201) throw new Error(`partner not linked: ${linked.status} ${JSON.stringify(linked.body)}`);
  const books: SimulatedPartner['books'] = () => control('GET', `/accounts/${opts.apiKey}/books`);
  return {
    partnerId: linked.body.partnerId,
    books,
    register: async (contactId) => {
      const nc = await connectNats(platform.urls);
      const envelope = { id: crypto.randomUUID(), tenantId: tenant, occurredAt: new Date().toISOString(), type: ContactRegistered.type, data: { contactId, seasonTicketHolder: true } };
      await nc.jetstream().publish(platform.iso.subjectPrefix + ContactRegistered.type, jsonCodec.encode(envelope), { msgID: envelope.id });
      await nc.close();
      await eventually(async () => ((await books()).members.some((m) => m.externalRef === contactId) ? true : undefined), 20_000);
    },
    credit: async (contactId, points) => {
      await control('POST', `/accounts/${opts.apiKey}/members/${contactId}/points`, { delta: points });
    },
    setDown: async (down) => {
      await control('POST', '/', { down });
    },
  };
}

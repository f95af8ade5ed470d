import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Everything Clientele reads from its environment, in one place. */
export interface ClienteleConfig {
  /** `postgres://…`; absent means embedded PGlite under `dataDir`. */
  databaseUrl?: string;
  /** `esdb://…`: events on EventStoreDB; read models stay in PostgreSQL. */
  eventStoreUrl?: string;
  dataDir: string;
  port: number;
  /** `in-process` (default): the API runs the projectors; `off`: apps/worker does. */
  projections: 'in-process' | 'off';
  /** How long a read waits for the read models to reach the writes before it answers 503. */
  readConsistencyTimeoutMs: number;
  /** Set: payments go through Stripe; absent: the offline gateway (the desk's own terminal). */
  stripeSecretKey?: string;
  /** Verifies the signatures of Stripe's webhooks. */
  stripeWebhookSecret?: string;
  /** Another Stripe API than api.stripe.com (stripe-mock, a proxy); absent: Stripe's own. */
  stripeApi?: { host: string; port: number; protocol: 'http' | 'https' };
  /** Set: notifications are mailed through this SMTP server; absent: written to the log. */
  smtpUrl?: string;
  /** The sender of notifications; its domain ends their Message-IDs. */
  mailFrom: string;
  /**
   * Wrong tokens one address may present per window before it gets 429 until the window ends
   * (apps/api/http/failed-authentications.ts).
   */
  authFailures: { limit: number; windowSeconds: number };
  /** Fastify's `trustProxy`: whose X-Forwarded-For names the client, behind a load balancer. */
  trustProxy?: boolean | number | string;
}

export const DEFAULT_MAIL_FROM = 'Clientele <no-reply@localhost>';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ClienteleConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT is not a port: ${env.PORT}`);
  const projections = env.PROJECTIONS ?? 'in-process';
  if (projections !== 'in-process' && projections !== 'off') {
    throw new Error(`PROJECTIONS must be "in-process" or "off", not "${projections}".`);
  }
  return {
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    ...(env.EVENTSTORE_URL ? { eventStoreUrl: env.EVENTSTORE_URL } : {}),
    dataDir: resolve(env.CLIENTELE_DATA_DIR ?? join(projectRoot(), 'data')),
    port,
    projections,
    readConsistencyTimeoutMs: Number(env.READ_CONSISTENCY_TIMEOUT_MS ?? 5000),
    ...(env.STRIPE_SECRET_KEY ? { stripeSecretKey: env.STRIPE_SECRET_KEY } : {}),
    ...(env.STRIPE_WEBHOOK_SECRET ? { stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET } : {}),
    ...(env.STRIPE_API_URL ? { stripeApi: stripeApi(env.STRIPE_API_URL) } : {}),
    ...(env.SMTP_URL ? { smtpUrl: smtpUrl(env.SMTP_URL) } : {}),
    mailFrom: mailFrom(env.MAIL_FROM || DEFAULT_MAIL_FROM),
    authFailures: {
      limit: positive('AUTH_FAILURE_LIMIT', env.AUTH_FAILURE_LIMIT, 20),
      windowSeconds: positive('AUTH_FAILURE_WINDOW_SECONDS', env.AUTH_FAILURE_WINDOW_SECONDS, 60),
    },
    ...(env.TRUST_PROXY ? { trustProxy: trustProxy(env.TRUST_PROXY) } : {}),
  };
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new Error(`${name} must be a whole number above 0, not "${value}".`);
  }
  return number;
}

/** `true`, a number of hops, or the proxies' addresses (comma-separated IPs or CIDRs). */
function trustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

function smtpUrl(value: string): string {
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    throw new Error('SMTP_URL is not a URL.');
  }
  if (protocol !== 'smtp:' && protocol !== 'smtps:') {
    throw new Error(`SMTP_URL must be smtp:// or smtps://, not ${protocol}`);
  }
  return value;
}

function mailFrom(value: string): string {
  if (!/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+>?$/.test(value.trim())) {
    throw new Error(`MAIL_FROM must be an address, e.g. "Sunrise Yoga <desk@sunrise.example>"`);
  }
  return value.trim();
}

function stripeApi(value: string): NonNullable<ClienteleConfig['stripeApi']> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`STRIPE_API_URL is not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`STRIPE_API_URL must be http:// or https://, not ${url.protocol}`);
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const port = url.port ? Number(url.port) : protocol === 'http' ? 80 : 443;
  return { host: url.hostname, port, protocol };
}

/** The folder of Clientele's package.json, wherever the code runs from (src or dist). */
function projectRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'clientele')
      return dir;
  }
  return process.cwd();
}

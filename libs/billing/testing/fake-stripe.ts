import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for api.stripe.com, for tests: the few v1 endpoints the gateway calls, with
 * Stripe's JSON shapes, its error objects and its idempotency (a key seen before replays its
 * first answer; the same key with other parameters is an `idempotency_error`). Test payment
 * methods decide a charge's fate as Stripe's do: `pm_card_chargeDeclinedInsufficientFunds`
 * declines, `pm_card_authenticationRequired` needs 3-D Secure, anything else succeeds.
 */
export class FakeStripe {
  /** Every PaymentIntent the fake actually created: one per charge, whatever the retries. */
  readonly charges: Charge[] = [];
  readonly refunds: Array<{ id: string; payment_intent: string; amount: number }> = [];
  /** Each request as it arrived, retries included. */
  readonly requests: Array<{ method: string; path: string; idempotencyKey: string | null }> = [];
  private readonly customers = new Map<string, Json>();
  private readonly paymentMethods = new Map<string, Json>();
  private readonly answers = new Map<string, { paramsHash: string; answer: Answer }>();
  private readonly faults: Fault[] = [];
  private server: Server | undefined;
  private ids = 0;

  async start(): Promise<{ host: string; port: number; protocol: 'http' }> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { host: '127.0.0.1', port: (server.address() as AddressInfo).port, protocol: 'http' };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next request answers this error instead, before any effect (as Stripe's limiter). */
  failNext(fault: { status: number; code: string; shouldRetry?: boolean }): void {
    this.faults.push({ kind: 'error', ...fault });
  }

  /** The next request takes effect, then its answer is held back this long. */
  delayNext(ms: number): void {
    this.faults.push({ kind: 'delay', ms });
  }

  addCustomer(id: string): void {
    this.customers.set(id, customer(id, {}));
  }

  /** A saved method, as a SetupIntent completed by the client's device leaves it. */
  attach(
    customerId: string,
    method: { id: string; type?: 'card' | 'sepa_debit'; brand?: string; last4?: string },
  ): void {
    const type = method.type ?? 'card';
    this.paymentMethods.set(method.id, {
      id: method.id,
      object: 'payment_method',
      type,
      customer: customerId,
      billing_details: {},
      created: now(),
      livemode: false,
      metadata: {},
      ...(type === 'card'
        ? {
            card: {
              brand: method.brand ?? 'visa',
              last4: method.last4 ?? '4242',
              exp_month: 12,
              exp_year: 2034,
              country: 'US',
              funding: 'credit',
            },
          }
        : { sepa_debit: { bank_code: method.brand ?? '37040044', last4: method.last4 ?? '3000' } }),
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    const key = header(req, 'idempotency-key');
    this.requests.push({ method, path, idempotencyKey: key });
    const fault = this.faults.shift();
    if (fault?.kind === 'error') {
      const headers: Record<string, string> =
        fault.shouldRetry === undefined ? {} : { 'stripe-should-retry': `${fault.shouldRetry}` };
      return send(
        res,
        stripeError(fault.status, 'invalid_request_error', fault.code, 'Injected fault.'),
        headers,
      );
    }
    const params = parseForm(body);
    let answer: Answer;
    if (method === 'POST' && key) {
      const paramsHash = createHash('sha256').update(`${method} ${path} ${body}`).digest('hex');
      const earlier = this.answers.get(key);
      if (earlier && earlier.paramsHash !== paramsHash) {
        answer = stripeError(
          400,
          'idempotency_error',
          undefined,
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      } else if (earlier) {
        answer = { ...earlier.answer, replayed: true };
      } else {
        answer = this.route(method, path, params, key);
        // Stripe saves a result once the endpoint ran, errors included.
        this.answers.set(key, { paramsHash, answer });
      }
    } else {
      answer = this.route(method, path, params, key);
    }
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    send(res, answer, answer.replayed ? { 'idempotent-replayed': 'true' } : {});
  }

  private route(method: string, path: string, params: Json, key: string | null): Answer {
    const parts = path.split('/').filter(Boolean); // ['v1', resource, id?, action?]
    const [, resource, id, action] = parts;
    if (resource === 'customers') {
      if (method === 'POST' && !id) {
        const created = customer(this.nextId('cus'), (params.metadata as Json) ?? {});
        this.customers.set(created.id as string, created);
        return ok(created);
      }
      const found = id ? this.customers.get(id) : undefined;
      if (!found) return missing('customer', id);
      if (method === 'GET' && action === 'payment_methods') {
        const data = [...this.paymentMethods.values()].filter((m) => m.customer === id);
        return ok({ object: 'list', data, has_more: false, url: path });
      }
      if (method === 'POST') {
        const settings = params.invoice_settings as Json | undefined;
        if (settings && 'default_payment_method' in settings) {
          const pm = settings.default_payment_method as string;
          if (this.paymentMethods.get(pm)?.customer !== id)
            return stripeError(
              400,
              'invalid_request_error',
              'resource_missing',
              `No such PaymentMethod: '${pm}'`,
              'invoice_settings[default_payment_method]',
            );
          (found.invoice_settings as Json).default_payment_method = pm;
        }
      }
      return ok(found);
    }
    if (resource === 'payment_methods') {
      const found = id ? this.paymentMethods.get(id) : undefined;
      if (!found) return missing('payment_method', id);
      if (method === 'POST' && action === 'detach') found.customer = null;
      return ok(found);
    }
    if (resource === 'setup_intents' && method === 'POST') {
      const seti = this.nextId('seti');
      return ok({
        id: seti,
        object: 'setup_intent',
        client_secret: `${seti}_secret_${randomBytes(8).toString('hex')}`,
        customer: params.customer,
        payment_method_types: params.allowed_payment_method_types,
        usage: params.usage,
        status: 'requires_payment_method',
      });
    }
    if (resource === 'payment_intents' && method === 'POST' && !id) return this.charge(params, key);
    if (resource === 'refunds' && method === 'POST') return this.refund(params);
    return stripeError(
      404,
      'invalid_request_error',
      undefined,
      `Unrecognized request URL (${method}: ${path}).`,
    );
  }

  private charge(params: Json, key: string | null): Answer {
    const pm = params.payment_method as string;
    const intent: Json = {
      id: this.nextId('pi'),
      object: 'payment_intent',
      amount: Number(params.amount),
      amount_received: 0,
      currency: params.currency,
      customer: params.customer,
      payment_method: pm,
      description: params.description ?? null,
      metadata: params.metadata ?? {},
      confirmation_method: 'automatic',
      capture_method: 'automatic',
      created: now(),
      livemode: false,
      last_payment_error: null,
      status: 'requires_payment_method',
    };
    if (this.paymentMethods.get(pm)?.customer !== params.customer) {
      return stripeError(
        400,
        'invalid_request_error',
        'resource_missing',
        `No such PaymentMethod: '${pm}'`,
        'payment_method',
      );
    }
    if (
      pm.startsWith('pm_card_chargeDeclined') ||
      pm.startsWith('pm_card_authenticationRequired')
    ) {
      const auth = pm.startsWith('pm_card_authenticationRequired');
      const failure = auth
        ? {
            type: 'card_error',
            code: 'authentication_required',
            decline_code: 'authentication_required',
            message: 'Your card was declined. This transaction requires authentication.',
          }
        : {
            type: 'card_error',
            code: 'card_declined',
            decline_code: 'insufficient_funds',
            message: 'Your card has insufficient funds.',
          };
      intent.last_payment_error = failure;
      const answer = stripeError(402, 'card_error', failure.code, failure.message);
      Object.assign(answer.body.error as Json, {
        decline_code: failure.decline_code,
        payment_intent: intent,
      });
      return answer;
    }
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    intent.latest_charge = this.nextId('ch');
    this.charges.push({
      id: intent.id as string,
      amount: intent.amount as number,
      refunded: 0,
      currency: intent.currency as string,
      customer: intent.customer as string,
      paymentMethod: pm,
      metadata: intent.metadata as Json,
      idempotencyKey: key,
    });
    return ok(intent);
  }

  private refund(params: Json): Answer {
    const charge = this.charges.find((c) => c.id === params.payment_intent);
    if (!charge) return missing('payment_intent', params.payment_intent as string);
    const left = charge.amount - charge.refunded;
    const amount = params.amount === undefined ? left : Number(params.amount);
    if (left === 0)
      return stripeError(
        400,
        'invalid_request_error',
        'charge_already_refunded',
        `Charge ${charge.id} has already been refunded.`,
      );
    if (amount > left)
      return stripeError(
        400,
        'invalid_request_error',
        'amount_too_large',
        `Refund amount (${dollars(amount)}) is greater than unrefunded amount on charge (${dollars(left)})`,
        'amount',
      );
    charge.refunded += amount;
    const refund = { id: this.nextId('re'), payment_intent: charge.id, amount };
    this.refunds.push(refund);
    return ok({
      ...refund,
      object: 'refund',
      currency: charge.currency,
      status: 'succeeded',
      metadata: params.metadata ?? {},
    });
  }

  private nextId(prefix: string): string {
    return `${prefix}_fake${String(++this.ids).padStart(6, '0')}`;
  }
}

export interface Charge {
  id: string;
  amount: number;
  refunded: number;
  currency: string;
  customer: string;
  paymentMethod: string;
  metadata: Json;
  idempotencyKey: string | null;
}

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  body: Json;
  replayed?: boolean;
}
type Fault =
  | { kind: 'error'; status: number; code: string; shouldRetry?: boolean }
  | { kind: 'delay'; ms: number };

const now = () => Math.floor(Date.now() / 1000);
const ok = (body: Json): Answer => ({ status: 200, body });
const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

function customer(id: string, metadata: Json): Json {
  return {
    id,
    object: 'customer',
    created: now(),
    livemode: false,
    metadata,
    invoice_settings: { default_payment_method: null, custom_fields: null, footer: null },
  };
}

function stripeError(
  status: number,
  type: string,
  code: string | undefined,
  message: string,
  param?: string,
): Answer {
  return {
    status,
    body: {
      error: {
        type,
        ...(code
          ? { code, doc_url: `https://docs.stripe.com/error-codes/${code.replace(/_/g, '-')}` }
          : {}),
        message,
        ...(param ? { param } : {}),
        request_log_url: 'https://dashboard.stripe.com/test/logs',
      },
    },
  };
}

function missing(what: string, id: string | undefined): Answer {
  return stripeError(
    404,
    'invalid_request_error',
    'resource_missing',
    `No such ${what}: '${id}'`,
    'id',
  );
}

function send(res: ServerResponse, answer: Answer, headers: Record<string, string>): void {
  if (res.destroyed) return; // the client gave up waiting (a timeout)
  res.writeHead(answer.status, {
    'content-type': 'application/json',
    'request-id': `req_${randomBytes(7).toString('hex')}`,
    ...headers,
  });
  res.end(JSON.stringify(answer.body));
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Stripe's form encoding: `metadata[studioId]=…`, `list[0]=…`, nested as deep as needed. */
function parseForm(body: string): Json {
  const out: Json = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const path = name.split(/[[\]]+/).filter(Boolean);
    let node: Json = out;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Json;
    });
  }
  return out;
}

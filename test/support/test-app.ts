import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PaymentGateway } from '@clientele/billing';
import { adminActions, type ClienteleConfig, type Runtime } from '@clientele/runtime';
import { createApp } from '../../apps/api/create-app';
import { openTestRuntime } from './test-runtime';

/** An injected response as tests read it: the body parsed when it is JSON. */
export function replyOf(response: {
  statusCode: number;
  headers: Reply['headers'];
  body: string;
  rawPayload: Buffer;
}): Reply {
  let body: unknown = undefined;
  try {
    body = response.body ? JSON.parse(response.body) : undefined;
  } catch {
    body = undefined;
  }
  return {
    status: response.statusCode,
    headers: response.headers,
    body,
    text: response.body,
    bytes: response.rawPayload,
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read what they assert
  text: string;
  /** The body as sent: a file's bytes. */
  bytes: Buffer;
}

export interface TestApp {
  app: NestFastifyApplication;
  runtime: Runtime;
  call(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    options?: {
      token?: string;
      body?: unknown;
      raw?: string | Buffer;
      headers?: Record<string, string>;
    },
  ): Promise<Reply>;
  createStudio(name?: string): Promise<{ studioId: string; token: string }>;
  /** A member of staff with this role, hired by the owner's token: their own token. */
  hire(ownerToken: string, role: 'manager' | 'front_desk' | 'instructor'): Promise<string>;
  close(): Promise<void>;
}

/** The whole API over a fresh database (PGlite, or PostgreSQL with DATABASE_URL), in process. */
export async function startTestApp(
  options: {
    readConsistencyTimeoutMs?: number;
    runProjections?: boolean;
    /** Cards through this gateway (a Stripe one pointed at a fake Stripe) instead of offline. */
    gateway?: PaymentGateway;
    /** Settings on top of the defaults (SMTP_URL pointed at a test SMTP server). */
    config?: Partial<ClienteleConfig>;
  } = {},
): Promise<TestApp> {
  const opened = await openTestRuntime(
    options.readConsistencyTimeoutMs ?? 10_000,
    options.gateway,
    options.config,
  );
  const { runtime } = opened;
  if (options.runProjections ?? true) runtime.runner.start();
  const app = await createApp(runtime, { logger: false });
  let studios = 0;
  let staff = 0;
  const testApp: TestApp = {
    app,
    runtime,
    async call(method, url, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let payload: string | Buffer | undefined;
      if (options.raw !== undefined) payload = options.raw;
      else if (options.body !== undefined) payload = JSON.stringify(options.body);
      if (payload !== undefined && !headers['content-type'])
        headers['content-type'] = 'application/json';
      const response = await app.inject({
        method,
        url,
        headers,
        ...(payload !== undefined ? { payload } : {}),
      });
      return replyOf(response);
    },
    async createStudio(name = `Studio ${++studios}`) {
      const result = await adminActions['studio.create'](runtime, {
        name,
        currency: 'USD',
        timezone: 'America/New_York',
        ownerEmail: `owner${studios}@example.com`,
      });
      return { studioId: result.studioId, token: result.token };
    },
    async hire(ownerToken, role) {
      const hired = ++staff;
      const member = await testApp.call('POST', '/v1/staff', {
        token: ownerToken,
        body: { name: `Staff ${hired}`, email: `staff${hired}@example.com`, role },
      });
      const issued = await testApp.call('POST', `/v1/staff/${member.body.id}/tokens`, {
        token: ownerToken,
        body: { label: role },
      });
      return issued.body.token as string;
    },
    async close() {
      await app.close();
      await opened.close();
    },
  };
  return testApp;
}

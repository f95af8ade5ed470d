import type { PaymentGateway } from '@clientele/billing';
import {
  adminActions,
  loadConfig,
  openRuntime,
  type ClienteleConfig,
  type Runtime,
} from '@clientele/runtime';
import { openTestDatabase } from './test-database';

export interface TestRuntime {
  runtime: Runtime;
  /** Closes the runtime, then drops its database (schema). */
  close(): Promise<void>;
}

/** A server runtime over a fresh test database, projections not started; `config` on top. */
export async function openTestRuntime(
  readConsistencyTimeoutMs = 5000,
  gateway?: PaymentGateway,
  config: Partial<ClienteleConfig> = {},
): Promise<TestRuntime> {
  const database = await openTestDatabase();
  const settings = { ...loadConfig({}), readConsistencyTimeoutMs, ...config };
  const runtime = await openRuntime(settings, 'server', {
    database,
    ...(gateway ? { gateway } : {}),
  });
  return {
    runtime,
    async close() {
      await runtime.close();
      await database.close();
    },
  };
}

export type TestStudio = TestRuntime & { studioId: string };

/** The same, with one studio created through the CLI's action: what command tests start from. */
export async function openTestStudio(studio: {
  name: string;
  currency: string;
  timezone: string;
  ownerEmail: string;
}): Promise<TestStudio> {
  const opened = await openTestRuntime();
  const { studioId } = await adminActions['studio.create'](opened.runtime, studio);
  return { ...opened, studioId };
}

import { join } from 'node:path';
import 'reflect-metadata';
import type { ImportJob } from '@clientele/imports';
import { adminActions, type Runtime } from '@clientele/runtime';
import { delay } from '@clientele/shared/testing/until';
import {
  faultRandom,
  faultSuite,
  freePort,
  startChild,
  type Child,
} from '../support/fault-processes';
import { clientsCsv } from '../support/fault-traffic';
import { expectReadModelsToEqualRebuild } from '../support/read-models';

/**
 * Issue 8, item 3: the API is killed (SIGKILL) while it imports a CSV of clients, at a random
 * moment once the job has saved 1,000 to 3,000 rows of progress; started again, it resumes the job by itself
 * (`resumeUnfinished`), and every row is imported exactly once: one client per email, the job's
 * counts right, and the read models equal a rebuild from scratch.
 */
// The job saves its progress every 1,000 rows. Killed at most 3,000 rows in, at least 5,000 rows
// are left: about a second at the import's fastest, so the kill cannot come after the end.
const ROWS = 8000;
const suite = faultSuite('fault-import');

interface Api {
  child: Child;
  call(method: 'GET' | 'POST', path: string, body?: FormData): Promise<Response>;
}

async function startApi(token: string): Promise<Api> {
  const port = await freePort();
  const child = startChild(join(suite.out, 'apps/api/main.js'), [], {
    ...suite.db.env,
    PORT: String(port),
    HOST: '127.0.0.1',
  });
  await child.said('Clientele API on');
  return {
    child,
    call: (method, path, body) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}` },
        ...(body ? { body } : {}),
      }),
  };
}

async function jobOf(api: Api, id: string): Promise<ImportJob> {
  const reply = await api.call('GET', `/v1/imports/${id}`);
  expect(reply.status).toBe(200);
  return (await reply.json()) as ImportJob;
}

it('resumes an import the API was killed in, and imports every row once', async () => {
  const random = faultRandom('import-kill');
  let runtime: Runtime = await suite.db.open();
  const { studioId, token } = await adminActions['studio.create'](runtime, {
    name: 'Import Studio',
    currency: 'USD',
    timezone: 'UTC',
    ownerEmail: 'owner@import.example',
  }).finally(() => runtime.close());

  let api = await startApi(token);
  const form = new FormData();
  form.append('file', new Blob([clientsCsv(ROWS, 'import.example')]), 'clients.csv');
  const started = await api.call('POST', '/v1/imports/clients', form);
  expect(started.status).toBe(202);
  const { id } = (await started.json()) as ImportJob;
  const killAt = 1000 * (1 + Math.floor(random() * 3));
  for (;;) {
    const job = await jobOf(api, id);
    expect(job.status).not.toBe('completed');
    if (job.processed >= killAt) break;
    await delay(10);
  }
  await delay(Math.floor(random() * 50));
  await api.child.kill();

  runtime = await suite.db.open();
  const stopped = await runtime.imports.jobs.get(studioId, id).finally(() => runtime.close());
  // Killed halfway: some rows saved, not all.
  expect(stopped.status).toBe('running');
  expect(stopped.processed).toBeGreaterThan(0);
  expect(stopped.processed).toBeLessThan(ROWS);

  // Started again, the API goes on with the job by itself.
  api = await startApi(token);
  let finished: ImportJob;
  for (;;) {
    finished = await jobOf(api, id);
    if (finished.status !== 'running') break;
    await delay(50);
  }
  await api.child.kill();
  expect(finished).toMatchObject({
    status: 'completed',
    total: ROWS,
    processed: ROWS,
    created: ROWS,
    updated: 0,
    skipped: 0,
    errors: 0,
  });

  runtime = await suite.db.open();
  try {
    const registered = (await runtime.store.readAll({ from: null, limit: 100_000 }))
      .filter((event) => event.type === 'ClientRegistered')
      .map((event) => (event.data as { personal: { email: string } }).personal.email.toLowerCase());
    expect(registered).toHaveLength(ROWS);
    expect(new Set(registered).size).toBe(ROWS);
    await expectReadModelsToEqualRebuild(runtime);
    const { count } = await runtime.db.kysely
      .selectFrom('client_profiles')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(ROWS);
  } finally {
    await runtime.close();
  }
}, 240_000);

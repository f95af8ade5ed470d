import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ readConsistencyTimeoutMs: 300, runProjections: false });
});
afterAll(() => t.close());

it('answers 503 with Retry-After while the read models lag behind a write, then the read', async () => {
  // No runner yet: create the studio's read model rows by catching up once.
  const { token } = await t.createStudio();
  await t.runtime.runner.catchUp();
  const created = await t.call('POST', '/v1/clients', {
    token,
    body: { firstName: 'Lag', lastName: 'Test', email: 'lag@example.com' },
  });
  expect(created.status).toBe(201);

  const waiting = await t.call('GET', `/v1/clients/${created.body.id}`, { token });
  expect(waiting.status).toBe(503);
  expect(waiting.headers['retry-after']).toBe('1');
  expect(waiting.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(waiting.body).toMatchObject({ status: 503, code: 'unavailable' });
  // Health reports the lag at once rather than waiting for it like the reads: a load balancer
  // must not take a lagging API for a dead one.
  const lagging = await t.call('GET', '/health');
  expect(lagging.status).toBe(200);
  expect(lagging.body.projections).toContainEqual(
    expect.objectContaining({ name: 'client_profiles', caughtUp: false }),
  );

  t.runtime.runner.start();
  const read = await t.call('GET', `/v1/clients/${created.body.id}`, { token });
  expect(read.status).toBe(200);
  expect(read.body.email).toBe('lag@example.com');

  const health = await t.call('GET', '/health');
  expect(health.body.projections.every((p: { caughtUp: boolean }) => p.caughtUp)).toBe(true);
});

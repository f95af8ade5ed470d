import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import {
  announceServer,
  loadConfig,
  openRuntime,
  runAdminAction,
  type ClienteleConfig,
} from '@clientele/runtime';
import { createApp } from '../../apps/api/create-app';

// The embedded default is PGlite on disk; on PostgreSQL runs (DATABASE_URL) there is nothing to test here.
const onEmbedded = process.env.DATABASE_URL ? describe.skip : describe;

onEmbedded('the embedded server (PGlite on disk)', () => {
  let dataDir: string;
  let config: ClienteleConfig;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'clientele-'));
    config = { ...loadConfig({ CLIENTELE_DATA_DIR: dataDir }), port: 0 };
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function start(on = { config, dataDir }) {
    const runtime = await openRuntime(on.config, 'server');
    runtime.runner.start();
    const adminSecret = { value: null as string | null };
    const app = await createApp(runtime, { logger: false, adminSecret });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = await app.getUrl();
    adminSecret.value = announceServer(on.dataDir, url.replace('[::1]', '127.0.0.1')).adminSecret;
    return {
      url,
      async stop() {
        await app.close();
        await runtime.close();
      },
    };
  }

  it('creates a studio through the running server, and keeps clients across a restart', async () => {
    const first = await start();
    // The CLI's action goes to the running server: it owns the PGlite folder.
    const { token } = await runAdminAction(config, 'studio.create', {
      name: 'Sunrise Yoga',
      currency: 'USD',
      timezone: 'America/New_York',
      ownerEmail: 'owner@example.com',
    });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${first.url}/v1/clients`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await expect(openRuntime(config, 'client')).rejects.toThrow(/in use by the Clientele API/);
    await first.stop();

    const second = await start();
    const found = await fetch(`${second.url}/v1/clients?search=lovelace`, { headers });
    expect(((await found.json()) as { items: { id: string }[] }).items.map((c) => c.id)).toEqual([
      id,
    ]);
    await second.stop();
  });

  it('lets the CLI open the folder itself when no server runs', async () => {
    const result = await runAdminAction(config, 'studio.create', {
      name: 'Moon Pilates',
      currency: 'EUR',
      timezone: 'Europe/Berlin',
      ownerEmail: 'owner@moon.example',
    });
    expect(result.token).toMatch(/^clt_/);
  });

  it('runs dev seed in the running server, in the background, followed until done', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'clientele-'));
    const on = {
      config: { ...loadConfig({ CLIENTELE_DATA_DIR: fresh }), port: 0 },
      dataDir: fresh,
    };
    const server = await start(on);
    try {
      let job = await runAdminAction(on.config, 'dev.seed', { clients: 8, months: 1, studios: 1 });
      expect(job.status).toBe('running');
      while (job.status === 'running') {
        await new Promise((next) => setTimeout(next, 200));
        job = await runAdminAction(on.config, 'dev.seed.show', { id: job.id });
      }
      expect(job.error).toBeNull();
      const [studio] = job.summary!.studios;
      const listed = await fetch(`${server.url}/v1/clients?limit=100`, {
        headers: { authorization: `Bearer ${studio!.token}` },
      });
      expect(((await listed.json()) as { items: unknown[] }).items).toHaveLength(8);
    } finally {
      await server.stop();
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});

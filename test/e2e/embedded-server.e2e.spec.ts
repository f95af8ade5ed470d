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

  async function start() {
    const runtime = await openRuntime(config, 'server');
    runtime.runner.start();
    const adminSecret = { value: null as string | null };
    const app = await createApp(runtime, { logger: false, adminSecret });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = await app.getUrl();
    adminSecret.value = announceServer(dataDir, url.replace('[::1]', '127.0.0.1')).adminSecret;
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
});

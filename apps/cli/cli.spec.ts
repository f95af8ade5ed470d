import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateProduct, CreateProductHandler } from '@clientele/catalog';
import { RegisterClient, RegisterClientHandler } from '@clientele/clients';
import { loadConfig, openRuntime, projections } from '@clientele/runtime';
import { Pool } from 'pg';
import { run } from './main';

/** Every projection the runtime registers, in its order: the CLI reports each. */
const names = projections.map((projection) => projection.name);

/**
 * The CLI as a user runs it, in process, with no API running. Without DATABASE_URL it opens the
 * embedded PGlite database in a fresh data folder; with it, a fresh schema on that PostgreSQL
 * (the URL handed to the CLI sets the search_path, so nothing lands in `public`).
 */
const serverUrl = process.env.DATABASE_URL;

describe(`CLI (${serverUrl ? 'PostgreSQL' : 'embedded PGlite'})`, () => {
  const saved = {
    dataDir: process.env.CLIENTELE_DATA_DIR,
    databaseUrl: process.env.DATABASE_URL,
  };
  let dataDir: string;
  let schema: string | null = null;
  let stdout: string[];
  let stderr: string[];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'clientele-cli-'));
    process.env.CLIENTELE_DATA_DIR = dataDir;
    if (serverUrl) {
      schema = `t_cli_${randomBytes(5).toString('hex')}`;
      const admin = new Pool({ connectionString: serverUrl, max: 1 });
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      const url = new URL(serverUrl);
      url.searchParams.set('options', `-c search_path=${schema},public`);
      process.env.DATABASE_URL = url.toString();
    }
  });

  afterAll(async () => {
    restore('CLIENTELE_DATA_DIR', saved.dataDir);
    restore('DATABASE_URL', saved.databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
    if (schema) {
      const admin = new Pool({ connectionString: serverUrl, max: 1 });
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  });

  beforeEach(() => {
    stdout = [];
    stderr = [];
    jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      stdout.push(args.join(' '));
    });
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      stderr.push(args.join(' '));
    });
    // Commander writes its own errors and help straight to the stream.
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });

  afterEach(() => jest.restoreAllMocks());

  const studio = (overrides: Record<string, string> = {}) => {
    const options = {
      '--name': 'Lotus Yoga',
      '--currency': 'USD',
      '--timezone': 'America/New_York',
      '--owner-email': `owner-${randomBytes(4).toString('hex')}@lotus.example`,
      ...overrides,
    };
    return ['studio', 'create', ...Object.entries(options).flat()];
  };

  it('studio create --json prints {"studioId","token"} and exits 0', async () => {
    expect(await run([...studio(), '--json'])).toBe(0);
    expect(stderr).toEqual([]);
    expect(stdout).toHaveLength(1);
    const printed = JSON.parse(stdout[0]!) as Record<string, unknown>;
    expect(Object.keys(printed).sort()).toEqual(['studioId', 'token']);
    expect(printed.studioId).toMatch(/^[0-9a-f-]{36}$/);
    expect(printed.token).toEqual(expect.any(String));
    expect((printed.token as string).length).toBeGreaterThan(20);
  });

  it('studio create without --json prints the studio and its token for a person', async () => {
    const port = process.env.PORT;
    process.env.PORT = '3456';
    try {
      expect(await run(studio())).toBe(0);
    } finally {
      restore('PORT', port);
    }
    expect(stdout.join('\n')).toMatch(/^Studio [0-9a-f-]{36} created\./);
    expect(stdout.join('\n')).toContain('Owner token (shown once');
    // Where this configuration's API would listen, not a fixed port.
    expect(stdout.join('\n')).toContain('http://localhost:3456/v1/studio');
  });

  it('invalid currency, time zone and email: exit code 2, each problem named on stderr', async () => {
    const code = await run(
      studio({ '--currency': 'DOLLARS', '--timezone': 'Mars/Olympus', '--owner-email': 'nope' }),
    );
    expect(code).toBe(2);
    expect(stdout).toEqual([]);
    const text = stderr.join('\n');
    expect(text).toMatch(/^error: /);
    expect(text).toMatch(/currency: must be an ISO 4217 code/);
    expect(text).toMatch(/timezone: must be an IANA time zone/);
    expect(text).toMatch(/ownerEmail: must be an email address/);
  });

  it('help exits 0; an unknown command exits 2', async () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await run(['--help'])).toBe(0);
      expect(await run(['studio', 'create', '--help'])).toBe(0);
    } finally {
      write.mockRestore();
    }
    expect(await run(['studios'])).toBe(2);
  });

  it('a missing required option: exit code 2, with commander’s message', async () => {
    const args = studio().filter(
      (arg, i, all) => arg !== '--currency' && all[i - 1] !== '--currency',
    );
    const code = await run(args);
    expect(code).toBe(2);
    expect(stderr.join('')).toContain("error: required option '--currency <code>' not specified");
    expect(stdout).toEqual([]);
  });

  it('projections status and rebuild, as JSON and as lines', async () => {
    expect(await run(['projections', 'status', '--json'])).toBe(0);
    const status = JSON.parse(stdout[0]!) as { name: string; eventsApplied: number }[];
    expect(status.map((s) => s.name)).toEqual(names);
    expect(names).toEqual(expect.arrayContaining(['client_profiles', 'staff_directory']));

    stdout.length = 0;
    expect(await run(['projections', 'rebuild', 'staff_directory', '--json'])).toBe(0);
    const { rebuilt } = JSON.parse(stdout[0]!) as {
      rebuilt: { name: string; eventsRead: number; eventsApplied: number; ms: number }[];
    };
    expect(rebuilt).toEqual([
      {
        name: 'staff_directory',
        eventsRead: expect.any(Number),
        eventsApplied: expect.any(Number),
        ms: expect.any(Number),
      },
    ]);
    expect(rebuilt[0]!.eventsApplied).toBeGreaterThan(0); // the studios created above

    stdout.length = 0;
    stderr.length = 0;
    expect(await run(['projections', 'rebuild'])).toBe(0);
    expect(stdout).toEqual([
      expect.stringMatching(
        new RegExp(`^Rebuilt ${names.length} projections together from \\d+ events in \\d+ ms:$`),
      ),
      ...names.map((name) => expect.stringMatching(new RegExp(`^  ${name}: \\d+ applied$`))),
    ]);
    // Progress on stderr: a line as each one is done.
    expect(stderr).toEqual(
      expect.arrayContaining(
        names.map((name) =>
          expect.stringMatching(new RegExp(`^${name}: rebuilt from \\d+ events$`)),
        ),
      ),
    );

    stdout.length = 0;
    expect(await run(['projections', 'status'])).toBe(0);
    expect(stdout).toEqual(
      names.map((name) =>
        expect.stringMatching(new RegExp(`^${name}: \\d+ events applied, checkpoint \\d+:\\d+`)),
      ),
    );
  });

  it('notifications send mails what is due (to the log without SMTP_URL), once', async () => {
    expect(await run([...studio(), '--json'])).toBe(0);
    const { studioId } = JSON.parse(stdout.pop()!) as { studioId: string };
    const runtime = await openRuntime(loadConfig(), 'client');
    try {
      await new RegisterClientHandler(runtime.store).execute(
        new RegisterClient(
          { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@lotus.example' },
          {
            studioId,
            actor: { type: 'system', id: 'cli-spec' },
            correlationId: 'c',
            now: new Date(),
          },
        ),
      );
    } finally {
      await runtime.close();
    }
    const logged: string[] = [];
    jest.spyOn(console, 'warn').mockImplementation((line: string) => logged.push(line));
    expect(await run(['notifications', 'send', '--json'])).toBe(0);
    expect(JSON.parse(stdout[0]!)).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(logged.join('\n')).toContain('To: "Ada Lovelace" <ada@lotus.example>');
    expect(await run(['notifications', 'send'])).toBe(0);
    expect(stdout[1]).toMatch(/^0 notifications sent, 0 to try again later, 0 given up/);
    expect(logged).toHaveLength(1);
  });

  it('audit client prints a timeline as lines, JSON or CSV, as of an instant', async () => {
    expect(await run([...studio(), '--json'])).toBe(0);
    const { studioId } = JSON.parse(stdout.pop()!) as { studioId: string };
    const runtime = await openRuntime(loadConfig(), 'client');
    let clientId: string;
    try {
      ({ id: clientId } = await new RegisterClientHandler(runtime.store).execute(
        new RegisterClient(
          { firstName: 'Grace', lastName: 'Hopper', email: 'grace@lotus.example' },
          {
            studioId,
            actor: { type: 'system', id: 'cli-spec' },
            correlationId: 'audit-1',
            now: new Date(),
          },
        ),
      ));
    } finally {
      await runtime.close();
    }
    expect(await run(['audit', 'client', clientId])).toBe(0);
    expect(stdout[0]).toMatch(
      new RegExp(`^\\S+Z  system:cli-spec\\s+client-${clientId}\\s+registered as Grace Hopper`),
    );
    expect(stdout.join('\n')).toContain('credits: none; account credit 0.00 USD');
    expect(stdout.join('\n')).toMatch(/: 1 event in 1 stream \(\d+ read\)/);

    stdout.length = 0;
    expect(await run(['audit', 'client', clientId, '--format', 'json'])).toBe(0);
    const history = JSON.parse(stdout.join('\n')) as { events: { correlationId: string }[] };
    expect(history.events).toEqual([expect.objectContaining({ correlationId: 'audit-1' })]);

    stdout.length = 0;
    expect(await run(['audit', 'client', clientId, '--format', 'csv'])).toBe(0);
    const rows = stdout.join('\n').split('\r\n');
    expect(rows[0]).toBe('at,actor,stream,clientId,type,what,correlationId');
    expect(rows[1]).toContain(
      ',ClientRegistered,registered as Grace Hopper <grace@lotus.example>,audit-1',
    );

    stdout.length = 0;
    expect(await run(['audit', 'client', clientId, '--as-of', '2000-01-01T00:00:00Z'])).toBe(0);
    expect(stdout[0]).toMatch(/^As of 2000-01-01T00:00:00.000Z: 0 events/);
  });

  it('audit client of an unknown client, a bad id, date or format: exit code 2 in words', async () => {
    expect(await run(['audit', 'client', '00000000-0000-4000-8000-000000000000'])).toBe(2);
    expect(stderr.join('\n')).toBe(
      'error: No client with id 00000000-0000-4000-8000-000000000000.',
    );
    stderr.length = 0;
    expect(await run(['audit', 'client', 'nope'])).toBe(2);
    expect(stderr.join('\n')).toContain('clientId: must be a UUID');
    stderr.length = 0;
    const id = '00000000-0000-4000-8000-000000000000';
    expect(await run(['audit', 'client', id, '--as-of', 'yesterday'])).toBe(2);
    expect(stderr.join('\n')).toContain('asOf: must be an ISO 8601 time');
    stderr.length = 0;
    expect(await run(['audit', 'client', id, '--format', 'xml'])).toBe(2);
    expect(stderr.join('\n')).toContain('format: must be text, json or csv');
    expect(stdout).toEqual([]);
  });

  it('projections rebuild of an unknown projection: exit code 2, naming the known ones', async () => {
    expect(await run(['projections', 'rebuild', 'nope'])).toBe(2);
    expect(stderr.join('\n')).toContain(`name: must be one of: ${names.join(', ')}`);
  });

  it('import clients: a dry run, the import with a mapping, the failed rows file, a re-run', async () => {
    expect(await run([...studio({ '--name': 'Import Studio' }), '--json'])).toBe(0);
    const { studioId } = JSON.parse(stdout[0]!) as { studioId: string };
    const file = join(dataDir, 'members.csv');
    writeFileSync(
      file,
      '\uFEFFMail;Vorname;Nachname;Geburtsdatum\r\nada@lotus.example;Ada;Lovelace;10.12.1985\r\nbad;B;C;\r\n',
    );
    const map = ['--map', 'email=Mail', '--studio', studioId];
    expect(await run(['import', 'clients', file, ...map, '--dry-run', '--json'])).toBe(0);
    expect(JSON.parse(stdout[1]!)).toMatchObject({ dryRun: true, created: 1, errors: 1 });
    expect(await run(['import', 'clients', file, ...map])).toBe(0);
    expect(stdout[2]).toMatch(
      /^Imported members\.csv: 2 rows — 1 created, 0 updated, 0 skipped, 1 failed/,
    );
    expect(stdout[3]).toBe(
      'Columns: email ← "Mail", firstName ← "Vorname", lastName ← "Nachname", birthday ← "Geburtsdatum".',
    );
    expect(stdout[4]).toBe(`The failed rows and why: ${file}.errors.csv`);
    expect(readFileSync(`${file}.errors.csv`, 'utf8')).toContain(
      'bad,B,C,,3,"""bad"" is not an email address"',
    );
    expect(await run(['import', 'clients', file, ...map, '--json'])).toBe(0);
    expect(JSON.parse(stdout[5]!)).toMatchObject({ created: 0, skipped: 1, errors: 1 });
  });

  it('import credits and memberships: what clients have left, by product id, once', async () => {
    expect(await run([...studio({ '--name': 'Moving Studio' }), '--json'])).toBe(0);
    const { studioId } = JSON.parse(stdout.pop()!) as { studioId: string };
    const context = (key: string) => ({
      studioId,
      actor: { type: 'system' as const, id: 'cli-spec' },
      correlationId: key,
      idempotencyKey: key,
      now: new Date(),
    });
    const runtime = await openRuntime(loadConfig(), 'client');
    let pack: string;
    let monthly: string;
    try {
      const products = new CreateProductHandler(runtime.store);
      ({ id: pack } = await products.execute(
        new CreateProduct(
          {
            kind: 'class_pack',
            name: '5 Classes',
            description: null,
            price: { amount: 5000, currency: 'USD' },
            credits: { count: 5, eventTypes: ['yoga'] },
            validityDays: null,
            validityStarts: 'purchase',
          },
          context('pack'),
        ),
      ));
      ({ id: monthly } = await products.execute(
        new CreateProduct(
          {
            kind: 'membership',
            name: 'Monthly',
            description: null,
            price: { amount: 9000, currency: 'USD' },
            billingPeriod: { unit: 'month', count: 1 },
            eventTypes: ['yoga'],
            creditsPerPeriod: null,
          },
          context('monthly'),
        ),
      ));
      await new RegisterClientHandler(runtime.store).execute(
        new RegisterClient(
          { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@moving.example' },
          context('ada'),
        ),
      );
    } finally {
      await runtime.close();
    }
    const day = (offset: number) =>
      new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const credits = join(dataDir, 'credits.csv');
    writeFileSync(
      credits,
      `Email,Package,Remaining,Expires\nada@moving.example,${pack},3,${day(40)}\nbob@moving.example,${pack},2,\n`,
    );
    const at = ['--studio', studioId];
    expect(await run(['import', 'credits', credits, ...at])).toBe(0);
    expect(stdout.pop()).toBe(`The failed rows and why: ${credits}.errors.csv`);
    expect(stdout.pop()).toBe(
      'Columns: email ← "Email", product ← "Package", remaining ← "Remaining", expiresOn ← "Expires".',
    );
    expect(stdout.pop()).toMatch(
      /^Imported credits\.csv: 2 rows — 1 created, 0 updated, 0 skipped, 1 failed/,
    );
    expect(readFileSync(`${credits}.errors.csv`, 'utf8')).toContain(
      'no client of the studio has the email bob@moving.example (import the clients first)',
    );
    expect(await run(['import', 'credits', credits, ...at, '--json'])).toBe(0);
    expect(JSON.parse(stdout.pop()!)).toMatchObject({ kind: 'credits', created: 0, skipped: 1 });

    const memberships = join(dataDir, 'memberships.csv');
    writeFileSync(
      memberships,
      `Email;Membership;Start date;Next payment;Freeze start;Freeze end\nada@moving.example;${monthly};${day(-60)};${day(15)};${day(-1)};${day(9)}\n`,
    );
    expect(await run(['import', 'memberships', memberships, ...at, '--json'])).toBe(0);
    expect(JSON.parse(stdout.pop()!)).toMatchObject({ kind: 'memberships', created: 1, errors: 0 });
    expect(await run(['import', 'memberships', memberships, ...at, '--map', 'shoe=a'])).toBe(2);
    expect(stderr.join('\n')).toMatch(/mapping\.shoe: is not a membership field/);
  });

  it('import clients: a missing file or a bad mapping is said in words, exit code 2', async () => {
    expect(await run(['import', 'clients', join(dataDir, 'nope.csv')])).toBe(2);
    expect(stderr.join('\n')).toMatch(/^error: No file at .*nope\.csv\./);
    const file = join(dataDir, 'other.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    stderr.length = 0;
    expect(await run(['import', 'clients', file, '--map', 'shoe=a'])).toBe(2);
    expect(stderr.join('\n')).not.toMatch(/ {4}at /);
    expect(stderr.join('\n')).toMatch(/mapping\.shoe: is not a client field/);
  });

  it('dev seed with options out of range, or on a database in use: exit code 2, in words', async () => {
    expect(await run(['dev', 'seed', '--clients', '-5', '--months', '0', '--json'])).toBe(2);
    expect(stdout).toEqual([]);
    const text = stderr.join('\n');
    expect(text).toMatch(
      /^error: dev seed: --clients must be a whole number from 1 to 10000000; --months must be a whole number from 1 to 60\./,
    );
    expect(text).toMatch(/clients: must be a whole number from 1 to 10000000/);
    stderr.length = 0;
    // A studio in use: a seed would mix with its data.
    expect(await run(studio())).toBe(0);
    expect(await run(['dev', 'seed', '--clients', '10', '--months', '1'])).toBe(2);
    expect(stderr.join('\n')).toMatch(
      /^error: dev seed fills an empty database, and this one holds \d+ events/,
    );
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { migrateToLatest, openDatabase, type Database } from '@clientele/database';
import { migrations } from '@clientele/runtime';
import { foldForSearch } from '@projections/client-profiles/search-text';
import { REPORTS, RunReport, RunReportHandler, type ReportRequest } from '@projections/reports';
import { csvHeaders, csvRow, csvStream } from '../../apps/api/reports/report-csv';

const CLIENTS = 10_000;
const SESSIONS = 1_000;
const BOOKINGS = 100_000;

/**
 * The booking-history report over 100,000 bookings of one studio, through the query handler the
 * API runs: a first page, a page deep in the report, a search, and the whole report as CSV
 * (time, and the heap while it streams, to show it stays flat).
 */
export async function benchReports(url: string): Promise<object> {
  const schema = `bench_reports_${randomBytes(4).toString('hex')}`;
  const db = await openDatabase({ url, schema, poolSize: 4 });
  try {
    await migrateToLatest(db, ...migrations);
    const studioId = randomUUID();
    const loadStart = performance.now();
    await load(db, studioId);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const handler = new RunReportHandler(db);
    const request: ReportRequest = { studioId, now: new Date(), filters: {} };
    const run = (query: Partial<ReportRequest>, cursor?: string, limit = 50) =>
      handler.execute(new RunReport('booking-history', { ...request, ...query }, limit, cursor));

    let deepCursor: string | undefined;
    for (let page = 0, cursor: string | undefined; page < 20; page++) {
      cursor = (await run({}, cursor, 1000)).nextCursor ?? undefined;
      deepCursor = cursor;
    }
    const pages: Record<string, object> = {};
    for (const [name, query, cursor] of [
      ['firstPage', {}, undefined],
      ['pageAfter20000Rows', {}, deepCursor],
      ['searchByName', { search: 'muller' }, undefined],
      ['searchByEmail', { search: 'anna.smith12' }, undefined],
      ['oneMonth', { from: day(-30), to: day(0) }, undefined],
    ] as const) {
      const times: number[] = [];
      let found = 0;
      for (let i = 0; i < 25; i++) {
        const start = performance.now();
        found = (await run(query, cursor)).items.length;
        if (i >= 5) times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      pages[name] = { found, p50Ms: round(times[10]!), maxMs: round(times[19]!) };
    }

    const csv = {
      firstSixteenDays: await exportCsv(run, { to: day(-234) }),
      allRows: await exportCsv(run, {}),
    };
    return { clients: CLIENTS, bookings: BOOKINGS, loadSeconds: round(loadSeconds), pages, csv };
  } finally {
    await db.sql.query(`DROP SCHEMA ${schema} CASCADE`);
    await db.close();
  }
}

/** The whole report as the API streams it, into a sink that only counts. */
async function exportCsv(
  run: (
    query: Partial<ReportRequest>,
    cursor?: string,
    limit?: number,
  ) => ReturnType<RunReportHandler['execute']>,
  query: Partial<ReportRequest>,
): Promise<object> {
  const report = REPORTS.get('booking-history')!;
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 20);
  let rows = 0;
  async function* items() {
    let cursor: string | undefined;
    do {
      const page = await run(query, cursor, 1000);
      for (const item of page.items) {
        rows++;
        yield csvRow(report, item);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  let bytes = 0;
  const start = performance.now();
  await pipeline(
    csvStream(csvHeaders(report), items()),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done();
      },
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  return {
    rows,
    megabytes: round(bytes / 1e6),
    seconds: round(seconds),
    rowsPerSecond: Math.round(rows / seconds),
    heapGrowthMb: round((heapPeak - heapBefore) / 1e6),
  };
}

async function load(db: Database, studioId: string): Promise<void> {
  const names = ['Anna', 'Zoë', 'José', 'Marie', 'Liam', 'Aiko'];
  const lasts = ['Müller', 'García', 'Smith', 'Nguyen', 'Tanaka', 'Okafor'];
  await db.kysely
    .insertInto('studios')
    .values({
      studio_id: studioId,
      name: 'Bench',
      currency: 'USD',
      timezone: 'UTC',
      created_at: new Date(),
    })
    .execute();
  const clients = Array.from({ length: CLIENTS }, (_, n) => {
    const first = names[n % names.length]!;
    const last = lasts[Math.floor(n / names.length) % lasts.length]!;
    const email = `${foldForSearch(first)}.${foldForSearch(last)}${n}@example.com`;
    return {
      client_id: randomUUID(),
      studio_id: studioId,
      first_name: first,
      last_name: last,
      email,
      registered_at: new Date(),
      updated_at: new Date(),
      version: 0,
      first_folded: foldForSearch(first),
      last_folded: foldForSearch(last),
      email_folded: email,
      search_text: `${foldForSearch(first)} ${foldForSearch(last)} ${email}`,
      sort_key: `${foldForSearch(last)} ${foldForSearch(first)}`,
    };
  });
  for (let i = 0; i < clients.length; i += 2000) {
    await db.kysely
      .insertInto('client_profiles')
      .values(clients.slice(i, i + 2000))
      .execute();
  }
  // A session every 6 hours for the last 250 days.
  const sessions = Array.from({ length: SESSIONS }, (_, n) => {
    const startsAt = new Date(Date.now() - n * 6 * 3_600_000);
    return {
      session_id: randomUUID(),
      studio_id: studioId,
      class_type_id: randomUUID(),
      title: 'Flow',
      format: 'in_person',
      event_type: 'yoga',
      starts_at: startsAt,
      ends_at: new Date(startsAt.getTime() + 3_600_000),
      duration_minutes: 60,
      capacity: 100,
      version: 0,
    };
  });
  await db.kysely.insertInto('sessions').values(sessions).execute();
  for (let offset = 0; offset < BOOKINGS; offset += 5000) {
    const rows = Array.from({ length: 5000 }, (_, i) => {
      const n = offset + i;
      return {
        enrollment_id: randomUUID(),
        session_id: sessions[n % SESSIONS]!.session_id,
        studio_id: studioId,
        client_id: clients[n % CLIENTS]!.client_id,
        status: n % 10 === 0 ? 'cancelled' : 'confirmed',
        channel: 'studio',
        pay_with: 'credit',
        arrival: 0,
        attendance: n % 3 === 0 ? 'checked_in' : null,
        booked_at: new Date(),
        booked_by: JSON.stringify({ type: 'system' }),
        changed_at: new Date(),
      };
    });
    await db.kysely.insertInto('session_places').values(rows).execute();
  }
  await db.sql.query('ANALYZE client_profiles');
  await db.sql.query('ANALYZE sessions');
  await db.sql.query('ANALYZE session_places');
}

function day(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

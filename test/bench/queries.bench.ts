import autocannon from 'autocannon';
import { Client } from 'pg';
import { percentile } from './support';

const SECONDS = Number(process.env.QUERY_BENCH_SECONDS ?? 10);
const CONNECTIONS = 4;

/** What the desk's screens ask for, drawn at random from a studio's own data. */
export interface QuerySample {
  clientIds: string[];
  /** Beginnings of last names and emails, as a desk types them. */
  searches: string[];
  sessionIds: string[];
  reports: string[];
}

/** A studio's clients and sessions, drawn at random from its read models. */
export async function sampleStudio(
  databaseUrl: string,
  studioId: string,
  base: string,
  token: string,
): Promise<QuerySample> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const clients = await db.query<{ client_id: string; last_name: string; email: string }>(
      `SELECT client_id, last_name, email FROM client_profiles WHERE studio_id = $1
       ORDER BY random() LIMIT 1000`,
      [studioId],
    );
    const sessions = await db.query<{ session_id: string }>(
      'SELECT session_id FROM sessions WHERE studio_id = $1 ORDER BY random() LIMIT 500',
      [studioId],
    );
    const reports = (await (
      await fetch(`${base}/v1/reports`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { items: { name: string }[] };
    return {
      clientIds: clients.rows.map((row) => row.client_id),
      searches: clients.rows.flatMap((row, i) =>
        // Three to six letters of a last name, or of an email.
        (i % 2 ? row.last_name : row.email).slice(0, 3 + (i % 4)).toLowerCase(),
      ),
      sessionIds: sessions.rows.map((row) => row.session_id),
      reports: reports.items.map((report) => report.name),
    };
  } finally {
    await db.end();
  }
}

/**
 * The reads of issue 8 over HTTP, each alone for QUERY_BENCH_SECONDS on 4 connections: a client's
 * profile, a client search, a session's roster, and a first page of a report (half of them
 * searched by a name). Latency is from the request to the whole answer, in ms.
 */
export async function measureQueries(base: string, token: string, sample: QuerySample) {
  const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;
  const kinds: Record<string, () => string> = {
    profile: () => `/v1/clients/${pick(sample.clientIds)}`,
    search: () => `/v1/clients?search=${encodeURIComponent(pick(sample.searches))}&limit=25`,
    roster: () => `/v1/sessions/${pick(sample.sessionIds)}/roster`,
    report: () => {
      const search =
        Math.random() < 0.5 ? `&search=${encodeURIComponent(pick(sample.searches))}` : '';
      return `/v1/reports/${pick(sample.reports)}?limit=50${search}`;
    },
  };
  const results: Record<string, object> = {};
  for (const [kind, path] of Object.entries(kinds)) {
    await read(base, token, path, 2); // warm-up
    results[kind] = await read(base, token, path, SECONDS);
  }
  return { connections: CONNECTIONS, seconds: SECONDS, ...results };
}

function read(base: string, token: string, path: () => string, seconds: number) {
  const times: number[] = [];
  const statuses: Record<number, number> = {};
  return new Promise<object>((resolve, reject) => {
    autocannon(
      {
        url: base,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            method: 'GET',
            setupRequest: (request, context: { sentAt?: number }) => {
              context.sentAt = performance.now();
              return { ...request, path: path(), headers: { authorization: `Bearer ${token}` } };
            },
            onResponse: (status, _body, context: { sentAt?: number }) => {
              times.push(performance.now() - context.sentAt!);
              statuses[status] = (statuses[status] ?? 0) + 1;
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        times.sort((a, b) => a - b);
        resolve({
          requests: times.length,
          perSecond: Math.round(times.length / seconds),
          p50Ms: round(percentile(times, 0.5)),
          p99Ms: round(percentile(times, 0.99)),
          maxMs: round(times.at(-1) ?? 0),
          statuses,
          errors: result.errors + result.timeouts,
        });
      },
    );
  });
}

const round = (n: number) => Math.round(n * 100) / 100;

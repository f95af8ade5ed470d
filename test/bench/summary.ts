import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The figures of issue 8, side by side with the limit and the goals, from one run's report. */
interface Report {
  limit?: {
    pgbench: Record<string, Appends>;
    node: Record<string, Appends>;
    http: Record<'node' | 'nest' | 'nest-batched' | 'nest-no-append', Requests>;
  };
  atScale?: {
    seed: { clients: number; months: number; eventsAppended: number; seconds: number };
    queries: Record<'profile' | 'search' | 'roster' | 'report', Read> & { studioClients: number };
    commandMix: Mix;
    commandMixWithWorker: Mix;
    rebuild: { projections: number; eventsRead: number; eventsPerSecond: number };
  };
  importClients?: { rows: number; first: { rowsPerSecond: number; peakRssMb: number } };
}
interface Appends {
  appendsPerSecond: number;
}
interface Requests {
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number };
}
interface Mix {
  connections: number;
  commandsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  projectionLagMs: { p50: number; p99: number };
}
interface Read {
  p50Ms: number;
  p99Ms: number;
}
type Row = [figure: string, measured: string, goal: string, met: string];

const START = '<!-- bench:summary:start -->';
const END = '<!-- bench:summary:end -->';

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const met = (ok: boolean) => (ok ? 'met' : '**not met**');
const read = (what: string, figures: Read, goal?: number): Row => [
  `${what} p50 / p99 ms`,
  `${figures.p50Ms} / ${figures.p99Ms}`,
  goal === undefined ? '' : `p99 < ${goal}`,
  goal === undefined ? '' : met(figures.p99Ms < goal),
];

function mixRows(where: string, mix: Mix, limit: number, overHttp: number): Row[] {
  const share = (of: number) => `${((100 * mix.commandsPerSecond) / of).toFixed(1)}%`;
  return [
    [
      `command mix over HTTP, ${mix.connections} connections, projections ${where}: commands/s`,
      `${n(mix.commandsPerSecond)} (${share(limit)} of the limit from Node, ${share(overHttp)} of NestJS's grouped appends)`,
      '≥ 3,000',
      met(mix.commandsPerSecond >= 3000),
    ],
    [
      '… its latency p50 / p99 ms',
      `${mix.latencyMs.p50} / ${mix.latencyMs.p99}`,
      'p99 < 50',
      met(mix.latencyMs.p99 < 50),
    ],
    [
      '… projection lag p50 / p99 ms',
      `${n(mix.projectionLagMs.p50)} / ${n(mix.projectionLagMs.p99)}`,
      'p99 < 500',
      met(mix.projectionLagMs.p99 < 500),
    ],
  ];
}

/** The summary table, or null when the run left out a section it needs. */
export function summaryTable(report: Report, at: Date): string | null {
  const { limit, atScale, importClients } = report;
  if (!limit || !atScale || !importClients) return null;
  const { queries, rebuild, seed } = atScale;
  const node = limit.node['32 connections']!.appendsPerSecond;
  const pgbench = limit.pgbench['32 connections']!.appendsPerSecond;
  const http = limit.http;
  const overHttp = http['nest-batched'].requestsPerSecond;
  const rows: Row[] = [
    [
      'the limit: bare appends/s, 32 connections, pgbench / Node',
      `${n(pgbench)} / ${n(node)}`,
      '',
      '',
    ],
    [
      'the limit over HTTP, an append a request, 32 connections: node:http / NestJS / NestJS with appends grouped: requests/s',
      `${n(http.node.requestsPerSecond)} / ${n(http.nest.requestsPerSecond)} / ${n(overHttp)}`,
      '',
      '',
    ],
    [
      '… their latency p99 ms',
      `${http.node.latencyMs.p99} / ${http.nest.latencyMs.p99} / ${http['nest-batched'].latencyMs.p99}`,
      '',
      '',
    ],
    [
      'NestJS taking a validated body, no append: requests/s (p99 ms)',
      `${n(http['nest-no-append'].requestsPerSecond)} (${http['nest-no-append'].latencyMs.p99})`,
      '',
      '',
    ],
    ...mixRows('in the API', atScale.commandMix, node, overHttp),
    ...mixRows('in apps/worker', atScale.commandMixWithWorker, node, overHttp),
    read(`client profile, that studio`, queries.profile, 10),
    read(
      `client search, a studio of ${n(queries.studioClients)} (${n(seed.clients)} in all)`,
      queries.search,
      30,
    ),
    read('session roster', queries.roster, 10),
    read('report, first page', queries.report),
    [
      `rebuild of ${rebuild.projections} projections from ${n(rebuild.eventsRead)} events: events/s`,
      n(rebuild.eventsPerSecond),
      '≥ 20,000 (issue 7)',
      met(rebuild.eventsPerSecond >= 20_000),
    ],
    [
      `CSV import of ${n(importClients.rows)} clients: rows/s (peak RSS MB)`,
      `${n(importClients.first.rowsPerSecond)} (${importClients.first.peakRssMb})`,
      '≥ 5,000, < 300 MB (issue 7)',
      met(importClients.first.rowsPerSecond >= 5000 && importClients.first.peakRssMb < 300),
    ],
  ];
  return [
    `Measured ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench -- limit atScale importClients\`; the dataset: \`clientele dev seed --clients ${seed.clients} --months ${seed.months}\`, ${n(seed.eventsAppended)} events in ${n(seed.seconds)} s.`,
    '',
    '| figure | measured | goal | |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

/**
 * Puts the table between the summary markers of docs/benchmarks.md and the whole report in
 * docs/benchmarks.json, so the documented figures are always those of one run.
 */
export async function writeSummary(report: object, root: string): Promise<boolean> {
  const table = summaryTable(report as Report, new Date());
  if (!table) return false;
  // As `npm run lint` checks them: a run leaves the docs as Prettier writes them.
  const { format, resolveConfig } = await import('prettier');
  const write = async (path: string, text: string) =>
    writeFileSync(path, await format(text, { ...(await resolveConfig(path)), filepath: path }));
  const path = join(root, 'docs', 'benchmarks.md');
  const doc = readFileSync(path, 'utf8');
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${path} has no ${START} … ${END} markers`);
  await write(path, `${doc.slice(0, from + START.length)}\n\n${table}\n\n${doc.slice(to)}`);
  await write(join(root, 'docs', 'benchmarks.json'), JSON.stringify(report));
  return true;
}

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The figures of issue 8, side by side with the limit and the goals, from one run's report. */
interface Report {
  limit?: { pgbench: Record<string, Appends>; node: Record<string, Appends> };
  atScale?: {
    seed: { clients: number; months: number; events: number; seconds: number };
    queries: Record<'profile' | 'search' | 'roster' | 'report', Read>;
    commandMix: {
      connections: number;
      commandsPerSecond: number;
      latencyMs: { p50: number; p99: number };
      projectionLagMs: { p50: number; p99: number };
    };
    rebuild: { projections: number; eventsRead: number; eventsPerSecond: number };
  };
  importClients?: { rows: number; first: { rowsPerSecond: number; peakRssMb: number } };
}
interface Appends {
  appendsPerSecond: number;
}
interface Read {
  p50Ms: number;
  p99Ms: number;
}

const START = '<!-- bench:summary:start -->';
const END = '<!-- bench:summary:end -->';

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (read: { p50Ms: number; p99Ms: number }) => `${read.p50Ms} / ${read.p99Ms}`;
const met = (ok: boolean) => (ok ? 'met' : '**not met**');

/** The summary table, or null when the run left out a section it needs. */
export function summaryTable(report: Report, at: Date): string | null {
  const { limit, atScale, importClients } = report;
  if (!limit || !atScale || !importClients) return null;
  const { queries, commandMix: mix, rebuild, seed } = atScale;
  const limitNode = limit.node['32 connections']!.appendsPerSecond;
  const limitPgbench = limit.pgbench['32 connections']!.appendsPerSecond;
  const rows: [string, string, string, string][] = [
    [
      'the limit: bare appends/s, 32 connections (pgbench / Node)',
      `${n(limitPgbench)} / ${n(limitNode)}`,
      '',
      '',
    ],
    [
      `command mix over HTTP, ${mix.connections} connections: commands/s`,
      `${n(mix.commandsPerSecond)} (${((100 * mix.commandsPerSecond) / limitNode).toFixed(1)}% of Node's limit)`,
      '≥ 3,000',
      met(mix.commandsPerSecond >= 3000),
    ],
    [
      'command mix p50 / p99 ms',
      `${mix.latencyMs.p50} / ${mix.latencyMs.p99}`,
      'p99 < 50',
      met(mix.latencyMs.p99 < 50),
    ],
    [
      'projection lag under the mix p50 / p99 ms',
      `${n(mix.projectionLagMs.p50)} / ${n(mix.projectionLagMs.p99)}`,
      'p99 < 500',
      met(mix.projectionLagMs.p99 < 500),
    ],
    [
      'client profile p50 / p99 ms',
      ms(queries.profile),
      'p99 < 10',
      met(queries.profile.p99Ms < 10),
    ],
    [
      `client search (${n(seed.clients)} clients in the run) p50 / p99 ms`,
      ms(queries.search),
      'p99 < 30',
      met(queries.search.p99Ms < 30),
    ],
    ['session roster p50 / p99 ms', ms(queries.roster), 'p99 < 10', met(queries.roster.p99Ms < 10)],
    ['report, first page p50 / p99 ms', ms(queries.report), '', ''],
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
  const lines = [
    `Measured ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench -- limit atScale importClients\`; the dataset: \`clientele dev seed --clients ${seed.clients} --months ${seed.months}\`, ${n(seed.events)} events in ${n(seed.seconds)} s.`,
    '',
    '| figure | measured | goal | |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
  return lines.join('\n');
}

/**
 * Puts the table between the summary markers of docs/benchmarks.md and the whole report in
 * docs/benchmarks.json, so the documented figures are always those of one run.
 */
export function writeSummary(report: object, root: string): boolean {
  const table = summaryTable(report as Report, new Date());
  if (!table) return false;
  const path = join(root, 'docs', 'benchmarks.md');
  const doc = readFileSync(path, 'utf8');
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${path} has no ${START} … ${END} markers`);
  writeFileSync(path, `${doc.slice(0, from + START.length)}\n\n${table}\n\n${doc.slice(to)}`);
  writeFileSync(join(root, 'docs', 'benchmarks.json'), `${JSON.stringify(report, null, 2)}\n`);
  return true;
}

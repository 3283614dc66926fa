import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { migrate, openDatabase, type Dialect } from '../src/common/db.ts';
import { analyticsMigrations } from '../src/modules/analytics/index.ts';
import { authMigrations } from '../src/modules/auth/index.ts';
import { linksMigrations } from '../src/modules/links/index.ts';
import { createScratch, type DbKind } from '../test/contract/database.ts';
import { createUser, targetEnv } from '../test/contract/harness.ts';
import { launchServer } from '../test/contract/server-process.ts';
import { CHROME_UA } from './codes.ts';
import { percentile } from './load.ts';
import { BIN, ROOT, revision, runCli, serverRuntime } from './process.ts';
import { table } from './report.ts';
import { log } from './rounds.ts';
import { checkSamples } from './scale.check.ts';
import {
  CLICKED_LINKS,
  DAYS,
  HOT_LINK_CLICKS,
  HOT_LINK_UNIQUE,
  OWNER_CLICKS,
  SCALE,
  TOTAL_CLICKS,
  TOTAL_VISITORS,
  openExecutor,
  scaleCode,
  seedSteps,
} from './scale.seed.ts';

const USER = 'bench';
const STATS_REQUESTS = 100;
const REDIRECTS = 1_000;
// Codes no one has requested: past the clicked links, in other owners' range.
const FIRST_COLD = 500_000;
const DAY = 86_400_000;

interface Timing {
  p50: number;
  p99: number;
}

/** Times `count` sequential calls, in ms. */
async function timeEach(count: number, call: (i: number) => Promise<void>): Promise<Timing> {
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await call(i);
    ms.push(performance.now() - started);
  }
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return { p50: round(percentile(ms, 0.5)), p99: round(percentile(ms, 0.99)) };
}

async function getJson(url: string, apiKey: string): Promise<Record<string, unknown>> {
  const { statusCode, body } = await request(url, { headers: { authorization: `Bearer ${apiKey}` } });
  if (statusCode !== 200) throw new Error(`${url} answered ${statusCode}: ${await body.text()}`);
  return (await body.json()) as Record<string, unknown>;
}

async function redirect(url: string): Promise<void> {
  const { statusCode, body } = await request(url, { headers: { 'user-agent': CHROME_UA } });
  await body.dump();
  if (statusCode !== 302) throw new Error(`${url} answered ${statusCode}, not 302`);
}

function progress(db: DbKind, label: string, done: number, total: number, startedAt: number): void {
  const width = 30;
  const filled = Math.round((width * done) / total);
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(0);
  process.stderr.write(`\r[scale ${db}] [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${((100 * done) / total).toFixed(0).padStart(3)}% ${label.padEnd(16)} ${seconds} s `);
}

/**
 * Every module's schema as it was before the compact click storage (analytics up to 002): the
 * seed writes that shape in bulk, and the upgrade to 003 is then timed and checked like a real one.
 */
async function migrateBeforeCompactClicks(databaseUrl: string): Promise<void> {
  const database = openDatabase(databaseUrl);
  try {
    await migrate(database, 'auth', authMigrations);
    await migrate(database, 'links', linksMigrations);
    const before = (dialect: Dialect) =>
      Object.fromEntries(Object.entries(analyticsMigrations(dialect)).filter(([name]) => name < '003'));
    await migrate(database, 'analytics', before);
  } finally {
    await database.close();
  }
}

/**
 * Migrates (to the schema before 003), creates the user, writes the whole data set with bulk SQL
 * and analyses it, then upgrades to the latest schema; returns the seed and upgrade times and
 * every check of the rollups against the seeded events that failed (none, when consistent).
 */
async function seed(db: DbKind, databaseUrl: string, env: NodeJS.ProcessEnv) {
  await migrateBeforeCompactClicks(databaseUrl);
  const apiKey = await createUser(env, USER);
  const exec = await openExecutor(db, databaseUrl);
  try {
    const [owner] = await exec.query(`SELECT id FROM auth_users WHERE name = '${USER}'`);
    const ownerId = String(owner?.id);
    const base = Math.floor(Date.now() / DAY) * DAY - DAYS * DAY;
    const steps = seedSteps(db, ownerId, base);
    const total = steps.reduce((n, s) => n + s.rows, 0);
    const startedAt = performance.now();
    let done = 0;
    for (const step of steps) {
      progress(db, step.label, done, total, startedAt);
      await exec.run(step.sql);
      done += step.rows;
    }
    progress(db, 'done', done, total, startedAt);
    process.stderr.write('\n');
    // After a bulk load a production PostgreSQL's autovacuum vacuums and analyses these tables (PG 13+
    // also vacuums after inserts), which sets the visibility map that index-only counts rely on. This
    // machine's server runs with autovacuum off, so do it now, so timings do not depend on when.
    // SQLite never analyses by itself: ANALYZE it too, so both are timed with statistics.
    const analyzeStarted = performance.now();
    await exec.run(db === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE');
    const analyzeSeconds = (performance.now() - analyzeStarted) / 1000;
    const seedSeconds = (performance.now() - startedAt) / 1000;
    const [sums] = await exec.query(
      `SELECT (SELECT count(*) FROM click_events) AS events, (SELECT sum(humans) FROM click_hourly) AS hourly,
              (SELECT sum(count) FROM click_dimensions WHERE dimension = 'referrer') AS referrers,
              (SELECT sum(humans) FROM click_links) AS links, (SELECT count(*) FROM click_links) AS "clickedLinks",
              (SELECT sum(humans) FROM click_owners) AS owners, (SELECT humans FROM click_owners WHERE owner_id = '${ownerId}') AS "ownerHumans",
              (SELECT count(*) FROM click_visitors) AS visitors, (SELECT sum(visitors) FROM click_daily_unique) AS uniques`,
    );
    const expected: Record<string, number> = {
      events: TOTAL_CLICKS,
      hourly: TOTAL_CLICKS,
      referrers: TOTAL_CLICKS,
      links: TOTAL_CLICKS,
      clickedLinks: CLICKED_LINKS,
      owners: TOTAL_CLICKS,
      ownerHumans: OWNER_CLICKS,
      visitors: TOTAL_VISITORS,
      uniques: TOTAL_VISITORS,
    };
    const mismatches = Object.entries(expected)
      .filter(([name, want]) => Number(sums?.[name]) !== want)
      .map(([name, want]) => `seeded ${name} ${String(sums?.[name])} != ${want}`);
    mismatches.push(...(await checkSamples(exec)));
    // Then the upgrade an existing install goes through: migration 003 reshapes the rollups and
    // the visitors for the compact click storage (the raw events stay, read-only).
    const upgradeStarted = performance.now();
    await runCli(env, 'migrate');
    await exec.run(db === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE');
    const upgradeSeconds = (performance.now() - upgradeStarted) / 1000;
    return { apiKey, seedSeconds, analyzeSeconds, upgradeSeconds, rows: total, mismatches };
  } finally {
    await exec.close();
  }
}

/** What the API serves against what was seeded: one line per difference. */
async function servedMismatches(baseUrl: string, apiKey: string): Promise<string[]> {
  const hot = scaleCode(0);
  const [stats, link, user] = await Promise.all([
    getJson(`${baseUrl}/api/links/${hot}/stats`, apiKey),
    getJson(`${baseUrl}/api/links/${hot}`, apiKey),
    getJson(`${baseUrl}/api/stats`, apiKey),
  ]);
  const entries = Array.isArray(user.top) ? (user.top as { code: unknown; clicks: unknown }[]) : [];
  // The top links are the hot ones, all tied, in code order.
  const top = entries.map((t) => `${String(t.code)}:${String(t.clicks)}`).join(' ') || 'none';
  const topSeeded = Array.from({ length: Math.max(1, entries.length) }, (_, i) => `${scaleCode(i)}:${HOT_LINK_CLICKS}`).join(' ');
  const served: [string, unknown, unknown][] = [
    [`/api/links/${hot}/stats total`, stats.total, HOT_LINK_CLICKS],
    [`/api/links/${hot}/stats unique`, stats.unique, HOT_LINK_UNIQUE],
    [`/api/links/${hot} clicks`, link.clicks, HOT_LINK_CLICKS],
    ['/api/stats clicks', user.clicks, OWNER_CLICKS],
    ['/api/stats links', user.links, SCALE.ownerLinks],
    ['/api/stats top', top, topSeeded],
  ];
  return served.filter(([, got, want]) => got !== want).map(([what, got, want]) => `${what} ${String(got)} != ${String(want)}`);
}

async function scaleOne(db: DbKind) {
  const scratch = await createScratch(db);
  try {
    const { env, ports } = await targetEnv('monolith', scratch.databaseUrl, scratch.dir, randomBytes(24).toString('hex'));
    const baseUrl = `http://127.0.0.1:${ports.gateway}`;
    log(`scale ${db}: seeding ${SCALE.links} links and ${TOTAL_CLICKS} clicks`);
    const { apiKey, seedSeconds, analyzeSeconds, upgradeSeconds, rows, mismatches } = await seed(db, scratch.databaseUrl, env);
    const started = performance.now();
    const server = await launchServer([BIN, 'start'], ROOT, env, baseUrl);
    const startMs = performance.now() - started;
    try {
      const hot = scaleCode(0);
      const linkStatsUrl = `${baseUrl}/api/links/${hot}/stats`;
      mismatches.push(...(await servedMismatches(baseUrl, apiKey)));
      log(`scale ${db}: timing stats and redirects`);
      const linkStats = await timeEach(STATS_REQUESTS, () => getJson(linkStatsUrl, apiKey).then(() => undefined));
      const userStats = await timeEach(STATS_REQUESTS, () => getJson(`${baseUrl}/api/stats`, apiKey).then(() => undefined));
      await redirect(`${baseUrl}/${hot}`);
      const hotRedirect = await timeEach(REDIRECTS, () => redirect(`${baseUrl}/${hot}`));
      const coldRedirect = await timeEach(REDIRECTS, (i) => redirect(`${baseUrl}/${scaleCode(FIRST_COLD + i)}`));
      return {
        db,
        links: SCALE.links,
        clicks: TOTAL_CLICKS,
        seedRows: rows,
        seedSeconds: Math.round(seedSeconds * 10) / 10,
        startMs: Math.round(startMs),
        analyzeSeconds: Math.round(analyzeSeconds * 10) / 10,
        upgradeSeconds: Math.round(upgradeSeconds * 10) / 10,
        statsMatchSeed: mismatches.length === 0,
        mismatches,
        linkStats,
        userStats,
        hotRedirect,
        coldRedirect,
        coldOverHot: Math.round((coldRedirect.p99 / hotRedirect.p99) * 100) / 100,
      };
    } finally {
      await server.stop('SIGTERM').catch(() => server.stop('SIGKILL'));
    }
  } finally {
    await scratch.remove();
  }
}

type ScaleResult = Awaited<ReturnType<typeof scaleOne>>;

// The issue's goals: stats under 50 ms (judged on p99 here), a cache miss at most 3x a hit.
const STATS_GOAL_MS = 50;
const COLD_GOAL_RATIO = 3;
const statsOk = (t: Timing) => t.p99 < STATS_GOAL_MS;

function formatScale(r: ScaleResult): string {
  const ms = (n: number) => n.toFixed(2);
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  return [
    `scale, ${r.db}: ${r.links} links, ${r.clicks} clicks (${r.seedRows} rows) seeded in ${r.seedSeconds.toFixed(1)} s (of which ANALYZE ${r.analyzeSeconds.toFixed(1)} s), upgraded to the compact click storage in ${r.upgradeSeconds.toFixed(1)} s; ` +
      `monolith start->healthy ${Math.round(r.startMs)} ms; rollups and stats match the seed: ${r.statsMatchSeed ? 'yes' : `NO (${r.mismatches.join('; ')})`}`,
    table(
      ['measure', 'p50 ms', 'p99 ms', 'goal', 'result'],
      [
        ['GET /api/links/:code/stats (hottest link)', ms(r.linkStats.p50), ms(r.linkStats.p99), `p99 < ${STATS_GOAL_MS} ms`, verdict(statsOk(r.linkStats))],
        ['GET /api/stats (its owner)', ms(r.userStats.p50), ms(r.userStats.p99), `p99 < ${STATS_GOAL_MS} ms`, verdict(statsOk(r.userStats))],
        [`redirect hot (1 code x ${REDIRECTS})`, ms(r.hotRedirect.p50), ms(r.hotRedirect.p99), '', ''],
        [`redirect cold (${REDIRECTS} codes)`, ms(r.coldRedirect.p50), ms(r.coldRedirect.p99), `p99 <= ${COLD_GOAL_RATIO}x hot (${r.coldOverHot.toFixed(2)}x)`, verdict(r.coldOverHot <= COLD_GOAL_RATIO)],
      ],
    ),
  ].join('\n');
}

/** The two bench options the scale mode reads (bench.ts parses them): its databases, and JSON output. */
export interface ScaleOptions {
  scaleDbs: DbKind | 'both';
  json: boolean;
}

export async function runScale(o: ScaleOptions): Promise<{ pass: boolean }> {
  const started = performance.now();
  const [measuredRevision, runtime] = [revision(), serverRuntime()];
  const dbs: DbKind[] = o.scaleDbs === 'both' ? ['sqlite', 'postgres'] : [o.scaleDbs];
  const results: ScaleResult[] = [];
  for (const db of dbs) results.push(await scaleOne(db));
  const wallSeconds = Math.round((performance.now() - started) / 100) / 10;
  const date = new Date().toISOString();
  if (o.json) console.log(JSON.stringify({ scale: results, settings: { date, revision: measuredRevision, serverRuntime: runtime, node: process.version, wallSeconds } }));
  else console.log(`MorphLink scale benchmark, ${date}, revision ${measuredRevision} (server from ${runtime}), node ${process.version}; wall time ${wallSeconds} s\n\n${results.map(formatScale).join('\n\n')}`);
  const pass = results.every((r) => r.statsMatchSeed && statsOk(r.linkStats) && statsOk(r.userStats) && r.coldOverHot <= COLD_GOAL_RATIO);
  return { pass };
}

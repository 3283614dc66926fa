import autocannon from 'autocannon';
import { SETTINGS } from '../src/common/config.ts';
import { CHROME_UA, HOT_CODE, MIX_LINKS, codeOf } from './codes.ts';

export type Workload = 'hot' | 'mix';

export interface LoadResult {
  /** 3xx responses per second. */
  rps: number;
  p50: number;
  p99: number;
  /** Connection errors, timeouts and non-3xx answers. */
  errors: number;
  /** 3xx responses received: the clicks the target must count. */
  redirects: number;
  /** True when the run had to be cut mid-request (a stuck target): `redirects` may then undercount. */
  cut: boolean;
}

// autocannon's Client keeps these on itself; lowering responseMax makes it stop after the
// response it is waiting for, instead of destroying the socket with a request in flight.
interface Drainable {
  reqsMade: number;
  responseMax: number;
}

const REQUEST_TIMEOUT_S = 5;

/** Nearest-rank percentile, in the unit of `values`. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

const randomCode = () => codeOf(Math.floor(Math.random() * MIX_LINKS));

/**
 * Drives `baseUrl` for about `seconds` on `connections` keep-alive connections.
 * A plain `duration` run would drop the responses in flight when time is up, while the server
 * has already served (and counted) those clicks; so the run drains instead, and the click check
 * compares exact numbers.
 */
export function runLoad(baseUrl: string, workload: Workload, seconds: number, connections: number): Promise<LoadResult> {
  const clients: Drainable[] = [];
  let redirects = 0;
  let other = 0;
  let lastAt = 0;
  let cut = false;
  // autocannon's histogram keeps whole milliseconds; a redirect often takes less than one.
  const latencies: number[] = [];
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections,
        // Ended by the drain below, not by a count: the number only has to be out of reach.
        amount: 1e12,
        timeout: REQUEST_TIMEOUT_S,
        sampleInt: 100,
        headers: { 'user-agent': CHROME_UA },
        requests: [
          workload === 'hot'
            ? { method: 'GET', path: `/${HOT_CODE}` }
            : { method: 'GET', path: `/${HOT_CODE}`, setupRequest: (request) => ({ ...request, path: `/${randomCode()}` }) },
        ],
        setupClient: (client) => void clients.push(client as unknown as Drainable),
      },
      (error: unknown, result) => {
        clearTimeout(drainTimer);
        clearTimeout(hardStop);
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const elapsedS = ((lastAt || performance.now()) - startedAt) / 1000;
        resolve({
          rps: redirects / elapsedS,
          p50: percentile(latencies, 0.5),
          p99: percentile(latencies, 0.99),
          errors: result.errors + other,
          redirects,
          cut,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      latencies.push(ms);
      if (status >= 300 && status < 400) redirects++;
      else other++;
      lastAt = performance.now();
    });
    const drainTimer = setTimeout(() => {
      for (const client of clients) client.responseMax = Math.max(1, client.reqsMade);
    }, seconds * 1000);
    // A target that stops answering must not hang the bench: cut it after the request timeout.
    const hardStop = setTimeout(() => {
      cut = true;
      instance.stop();
    }, (seconds + REQUEST_TIMEOUT_S + 2) * 1000);
  });
}

export interface ClickApi {
  apiUrl: string;
  apiKey: string;
}

/** "fetch failed" says nothing by itself; its cause (ECONNRESET, ECONNREFUSED …) does. */
export const describe = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const text = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  return cause ? `${text} (${cause.code ?? cause.message})` : text;
};

/** Human clicks over all of the user's links, from GET /api/stats; one retry on a network error. */
export async function countClicks({ apiUrl, apiKey }: ClickApi, retries = 1): Promise<number> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl}/api/stats`, { headers: { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    if (retries === 0) throw new Error(`GET /api/stats: ${describe(error)}`);
    process.stderr.write(`[bench] GET /api/stats: ${describe(error)}; retrying once\n`);
    return countClicks({ apiUrl, apiKey }, retries - 1);
  }
  if (!response.ok) throw new Error(`GET /api/stats answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { clicks: number }).clicks;
}

const POLL_MS = 100;
// The targets run with the default rollup window: their stats may stand still for a whole window
// while clicks are stored, so "stopped moving" means still for longer than that.
const ROLLUP_WINDOW_MS = Number(SETTINGS.find((s) => s.env === 'ROLLUP_WINDOW_MS')!.default);
const SETTLED_MS = ROLLUP_WINDOW_MS + 1_500;
const WAIT_MAX_MS = ROLLUP_WINDOW_MS + 10_000;

/**
 * Polls until the count reached `before + expected` and held for a few polls, or stopped moving
 * (for longer than a rollup window), or the wait ran out. Returns the clicks counted since `before`.
 */
export async function waitForClicks(api: ClickApi, before: number, expected: number): Promise<number> {
  const deadline = Date.now() + WAIT_MAX_MS;
  let last = -1;
  let since = Date.now();
  for (;;) {
    const counted = (await countClicks(api)) - before;
    if (counted !== last) [last, since] = [counted, Date.now()];
    const held = Date.now() - since;
    // Held a little past "equal", so a late over-count still shows up here and not in the next run.
    if ((counted === expected && held >= 3 * POLL_MS) || held >= SETTLED_MS || Date.now() >= deadline) return counted;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

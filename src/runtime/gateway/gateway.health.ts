import { request as httpRequest } from 'undici';
import type { ReadinessChecks } from '../../common/http/server.ts';
import { version } from '../../common/version.ts';

/** The processes behind the gateway, by name (a replicated module's replicas as `<name>-<i>`). */
export type Upstreams = () => Record<string, string>;

async function fetchJson(url: string, timeoutMs = 1_000): Promise<{ status: number; body: unknown }> {
  const response = await httpRequest(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  return { status: response.statusCode, body: await response.body.json() };
}

const answers200 = async (url: string) => {
  const { status } = await fetchJson(url);
  if (status !== 200) throw new Error(`${url} answered ${status}`);
};

/** Each module is ready when every one of its processes is; replicas are read at each check. */
export function upstreamReadiness(modules: Record<string, () => readonly string[]>): ReadinessChecks {
  return Object.fromEntries(
    Object.entries(modules).map(([name, urls]) => [name, () => Promise.all(urls().map((url) => answers200(`${url}/ready`)))]),
  );
}

/** The gateway's /health: each process's own /health, and `degraded` (503) when one is down. */
export function healthSummary(upstreams: Upstreams, mode: string) {
  return async () => {
    const services: Record<string, string> = {};
    await Promise.all(
      Object.entries(upstreams()).map(async ([name, url]) => {
        services[name] = await fetchJson(`${url}/health`).then((r) => (r.status === 200 ? 'ok' : `status ${r.status}`), () => 'down');
      }),
    );
    const healthy = Object.values(services).every((s) => s === 'ok');
    return { healthy, body: { status: healthy ? 'ok' : 'degraded', service: 'gateway', mode, version, services } };
  };
}

export { fetchJson };

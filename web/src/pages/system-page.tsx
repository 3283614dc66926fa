import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../api/http.ts';
import { Alert } from '../components/field.tsx';
import { Page } from '../components/page.tsx';
import { summarize, type RedirectSummary, type Scrape } from '../system/metrics.ts';
import { fetchAutopilot, fetchHealth, scrapeMetrics, type AutopilotAnswer, type Health } from '../system/system.api.ts';
import { AutopilotPanel } from './autopilot-panel.tsx';

const REFRESH_MS = 5_000;

/** Calls `tick` now and every `ms` while the tab is visible; at once when it becomes visible again. */
function usePolling(tick: () => void, ms: number): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    const run = () => document.visibilityState === 'visible' && latest.current();
    run();
    const timer = window.setInterval(run, ms);
    document.addEventListener('visibilitychange', run);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', run);
    };
  }, [ms]);
}

function HealthPanel({ health }: { health: Health | null }) {
  const rows: [string, string | undefined][] = [['Status', health?.status], ['Mode', health?.mode], ['Service', health?.service], ['Version', health?.version]];
  return (
    <section class="card" aria-labelledby="health-heading">
      <h2 id="health-heading">Health</h2>
      <dl class="facts">
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd class={term === 'Status' ? `status status-${value === 'ok' ? 'ok' : 'bad'}` : undefined}>{value ?? '…'}</dd>
          </div>
        ))}
      </dl>
      {health?.services && (
        <table class="plain" aria-label="Services">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Health</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(health.services).map(([name, status]) => (
              <tr key={name}>
                <td>{name}</td>
                <td class={`status status-${status === 'ok' ? 'ok' : 'bad'}`}>{status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function TrafficPanel({ summary }: { summary: RedirectSummary | null }) {
  return (
    <section class="card" aria-labelledby="traffic-heading">
      <h2 id="traffic-heading">Redirects</h2>
      <dl class="totals totals-inline">
        <div class="total">
          <dt>Rate</dt>
          <dd>{summary ? `${summary.rate.toFixed(summary.rate < 10 ? 2 : 0)} /s` : '…'}</dd>
        </div>
        <div class="total">
          <dt>p99 latency</dt>
          <dd>{summary ? (summary.p99Ms === null ? '—' : `${summary.p99Ms.toFixed(summary.p99Ms < 10 ? 2 : 0)} ms`) : '…'}</dd>
        </div>
      </dl>
      <p class="muted small">
        {summary
          ? `${summary.redirects} redirects in the last ${summary.seconds.toFixed(0)} s, from two scrapes of /metrics.`
          : 'Measuring: the rate needs two scrapes of /metrics, a few seconds apart.'}
      </p>
    </section>
  );
}

/** Admins only: the deployment's health, live redirect traffic and the autopilot. */
export function SystemPage({ isAdmin }: { isAdmin: boolean }) {
  const [health, setHealth] = useState<Health | null>(null);
  const [summary, setSummary] = useState<RedirectSummary | null>(null);
  const [autopilot, setAutopilot] = useState<AutopilotAnswer | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [updatedAt, setUpdatedAt] = useState<string | null>(null);
  const previous = useRef<Scrape | null>(null);

  usePolling(() => {
    if (!isAdmin) return;
    Promise.all([
      fetchHealth().then(setHealth),
      scrapeMetrics().then((scrape) => {
        if (previous.current) setSummary(summarize(previous.current, scrape));
        previous.current = scrape;
      }),
      fetchAutopilot().then(setAutopilot),
    ]).then(
      () => setError(null),
      (e: unknown) => setError(describeError(e)),
    ).finally(() => setUpdatedAt(new Date().toISOString()));
  }, REFRESH_MS);

  if (!isAdmin) {
    return (
      <Page title="System">
        <p>Only administrators can see the system page.</p>
      </Page>
    );
  }
  return (
    <Page title="System">
      <p class="muted small" aria-live="off">
        Refreshes every {REFRESH_MS / 1000} s while this tab is visible{updatedAt && ` · updated ${new Date(updatedAt).toLocaleTimeString()}`}
      </p>
      {error && <Alert>{error}</Alert>}
      <div class="grid-2">
        <HealthPanel health={health} />
        <TrafficPanel summary={summary} />
      </div>
      <AutopilotPanel answer={autopilot} />
    </Page>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { stats as statsApi, type UserStats } from '../api/api.ts';
import { describeError } from '../api/http.ts';
import { Alert } from '../components/field.tsx';
import { Page } from '../components/page.tsx';
import { formatNumber } from '../format.ts';
import { Link } from '../router.tsx';

function TopLinks({ top }: { top: UserStats['top'] }) {
  const max = Math.max(1, ...top.map((t) => t.clicks));
  return (
    <ol class="bars top-links">
      {top.map((t) => (
        <li key={t.code}>
          <span class="bar-label">
            <Link to={`links/${t.code}`}>{t.code}</Link>
          </span>
          <span class="bar-value">{formatNumber(t.clicks)}</span>
          <span class="bar" aria-hidden="true">
            <span style={{ width: `${(t.clicks / max) * 100}%` }} />
          </span>
        </li>
      ))}
    </ol>
  );
}

/** The caller's totals and most clicked links. */
export function OverviewPage() {
  const [stats, setStats] = useState<UserStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    statsApi.mine().then(setStats, (e: unknown) => setError(describeError(e)));
  }, []);
  const totals: [string, number | undefined][] = [['Links', stats?.links], ['Clicks', stats?.clicks]];
  return (
    <Page title="Overview">
      {error && <Alert>{error}</Alert>}
      <dl class="totals">
        {totals.map(([term, value]) => (
          <div key={term} class="card total">
            <dt>{term}</dt>
            <dd>{value === undefined ? <span class="skeleton skeleton-number" /> : formatNumber(value)}</dd>
          </div>
        ))}
      </dl>
      <section class="card" aria-labelledby="top-heading">
        <h2 id="top-heading">Top links</h2>
        {stats === null ? (
          <div class="skeleton list-skeleton" />
        ) : stats.top.length === 0 || stats.clicks === 0 ? (
          <p class="empty">
            No clicks yet — <Link to="links">create a link</Link> and share its short URL; its visits show up here.
          </p>
        ) : (
          <TopLinks top={stats.top} />
        )}
      </section>
    </Page>
  );
}

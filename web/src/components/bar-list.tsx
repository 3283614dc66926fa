import type { Count } from '../api/api.ts';

/** A breakdown as a list of labelled bars: readable as text, no chart library needed. */
export function BarList({ title, counts, empty = 'No data in this range' }: { title: string; counts: readonly Count[]; empty?: string }) {
  const max = Math.max(1, ...counts.map((c) => c.count));
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  return (
    <section class="card bar-card" aria-label={title}>
      <h3>{title}</h3>
      {counts.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <ul class="bars">
          {counts.slice(0, 10).map((c) => (
            <li key={c.value}>
              <span class="bar-label" title={c.value}>
                {c.value || '(none)'}
              </span>
              <span class="bar-value">
                {c.count.toLocaleString()}
                <span class="visually-hidden"> ({Math.round((c.count / Math.max(total, 1)) * 100)} %)</span>
              </span>
              <span class="bar" aria-hidden="true">
                <span style={{ width: `${(c.count / max) * 100}%` }} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

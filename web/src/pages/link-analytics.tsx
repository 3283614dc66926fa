import type { TargetedSubmitEvent } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { links, type Interval, type LinkStats } from '../api/api.ts';
import { describeError } from '../api/http.ts';
import { BarList } from '../components/bar-list.tsx';
import { ClicksChart } from '../components/clicks-chart.tsx';
import { Alert, SelectField, TextField } from '../components/field.tsx';
import { formatNumber, fromLocalInput, toLocalInput } from '../format.ts';
import { defaultInterval, fillSeries, PRESETS, presetRange, type Preset } from './stats-range.ts';

const INTERVALS = [['hour', 'Hour'], ['day', 'Day']] as const;
const BREAKDOWNS = [['referrers', 'Referrers'], ['browsers', 'Browsers'], ['os', 'Operating systems'], ['devices', 'Devices'], ['countries', 'Countries']] as const;

interface Range {
  from: number;
  to: number;
}

function RangeChooser({ preset, onPreset }: { preset: Preset; onPreset: (preset: Preset) => void }) {
  return (
    <div class="segmented" role="group" aria-label="Range">
      {PRESETS.map(([value, text]) => (
        <button key={value} type="button" aria-pressed={preset === value} onClick={() => onPreset(value)}>
          {text}
        </button>
      ))}
    </div>
  );
}

function CustomRange({ range, onApply }: { range: Range; onApply: (range: Range) => void }) {
  const [from, setFrom] = useState(toLocalInput(new Date(range.from)));
  const [to, setTo] = useState(toLocalInput(new Date(range.to)));
  const [error, setError] = useState<string | undefined>();
  const apply = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const next = { from: Date.parse(fromLocalInput(from)), to: Date.parse(fromLocalInput(to)) };
    if (!(next.from < next.to)) return setError('must be after From');
    setError(undefined);
    onApply(next);
  };
  return (
    <form class="custom-range" onSubmit={apply}>
      <TextField label="From" type="datetime-local" value={from} onValue={setFrom} required />
      <TextField label="To" type="datetime-local" value={to} onValue={setTo} required error={error} />
      <button type="submit">Apply</button>
    </form>
  );
}

function Totals({ stats }: { stats: LinkStats | null }) {
  const items: [string, number | undefined][] = [['Total clicks', stats?.total], ['Unique visitors', stats?.unique], ['Bots', stats?.bots]];
  return (
    <dl class="totals">
      {items.map(([term, value]) => (
        <div key={term} class="card total">
          <dt>{term}</dt>
          <dd>{value === undefined ? <span class="skeleton skeleton-number" /> : formatNumber(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Clicks over time and where they came from, for one range and interval. */
export function LinkAnalytics({ code }: { code: string }) {
  const [preset, setPreset] = useState<Preset>('7d');
  const [interval, chooseInterval] = useState<Interval>('day');
  const [range, setRange] = useState<Range>(() => presetRange('7d'));
  const [stats, setStats] = useState<LinkStats | null>(null);
  const [error, setError] = useState<string | null>(null);

  const choose = (next: Preset) => {
    setPreset(next);
    if (next === 'custom') return;
    setRange(presetRange(next));
    chooseInterval(defaultInterval(next));
  };

  useEffect(() => {
    let isCurrent = true;
    links.stats(code, { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), interval }).then(
      (next) => isCurrent && (setStats(next), setError(null)),
      (e: unknown) => isCurrent && setError(describeError(e)),
    );
    return () => {
      isCurrent = false;
    };
  }, [code, range, interval]);

  const points = useMemo(() => (stats ? fillSeries(stats.series, range.from, range.to, interval) : null), [stats, range, interval]);
  return (
    <section class="analytics" aria-labelledby="analytics-heading">
      <div class="list-head">
        <h2 id="analytics-heading">Analytics</h2>
        <div class="analytics-controls">
          <RangeChooser preset={preset} onPreset={choose} />
          <SelectField label="Interval" value={interval} onValue={(v) => chooseInterval(v as Interval)} options={INTERVALS} />
        </div>
      </div>
      {preset === 'custom' && <CustomRange range={range} onApply={setRange} />}
      {error && <Alert>{error}</Alert>}
      <Totals stats={stats} />
      <div class="card chart-card">
        <h3>Clicks over time</h3>
        {points ? <ClicksChart points={points} interval={interval} /> : <div class="chart skeleton" aria-busy="true" />}
        {/* Always there (empty or not), so the cards below do not move when the data arrives. */}
        <p class="muted chart-note">{stats && stats.total === 0 && 'No clicks in this range yet — share the short URL, or pick a longer range.'}</p>
      </div>
      <div class="breakdowns">
        {BREAKDOWNS.map(([key, title]) => (
          <BarList key={key} title={title} counts={stats?.[key] ?? []} empty={stats ? 'No clicks in this range' : 'Loading…'} />
        ))}
      </div>
    </section>
  );
}

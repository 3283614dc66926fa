import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, desiredReplicas, initialState, type DecideState } from './autopilot.decide.ts';
import { validateRules, type Rule } from './autopilot.rules.ts';
import { parseMetrics, type Scrape } from './autopilot.scrape.ts';
import { computeSignals, type Signals } from './autopilot.signals.ts';

// Two recorded scrapes of one redirector (prom-client's text, trimmed), 5 s apart.
const before = `# HELP morphlink_redirects_total Short-URL visits answered, by HTTP status
# TYPE morphlink_redirects_total counter
morphlink_redirects_total{status="302",service="redirector"} 1000
morphlink_redirects_total{status="404",service="redirector"} 10
# HELP http_request_duration_seconds HTTP request duration in seconds, by route and status
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.001",method="GET",route="/:code",status="302",service="redirector"} 900
http_request_duration_seconds_bucket{le="0.01",method="GET",route="/:code",status="302",service="redirector"} 990
http_request_duration_seconds_bucket{le="0.1",method="GET",route="/:code",status="302",service="redirector"} 1000
http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/:code",status="302",service="redirector"} 1000
http_request_duration_seconds_sum{method="GET",route="/:code",status="302",service="redirector"} 1.5
http_request_duration_seconds_count{method="GET",route="/:code",status="302",service="redirector"} 1000
http_request_duration_seconds_bucket{le="0.001",method="GET",route="/health",status="200",service="redirector"} 0
http_request_duration_seconds_bucket{le="0.01",method="GET",route="/health",status="200",service="redirector"} 0
http_request_duration_seconds_bucket{le="0.1",method="GET",route="/health",status="200",service="redirector"} 0
http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/health",status="200",service="redirector"} 5
http_request_duration_seconds_sum{method="GET",route="/health",status="200",service="redirector"} 5
http_request_duration_seconds_count{method="GET",route="/health",status="200",service="redirector"} 5
http_request_duration_seconds_count{method="POST",route="/api/links",status="500",service="redirector"} 1
# HELP morphlink_clicks_buffered Clicks waiting to be written or sent
# TYPE morphlink_clicks_buffered gauge
morphlink_clicks_buffered{service="redirector"} 3
# TYPE morphlink_events_spooled_total counter
morphlink_events_spooled_total{service="redirector"} 0
# TYPE nodejs_eventloop_lag_seconds gauge
nodejs_eventloop_lag_seconds{service="redirector"} 0.002
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes{service="redirector"} 104857600
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total{service="redirector"} 10
`;
// 5 s later: 10 000 more redirects, the slow ones between 10 and 100 ms, 2 more 5xx, 50 clicks spooled.
const after = before
  .replace('status="302",service="redirector"} 1000', 'status="302",service="redirector"} 11000')
  .replace('le="0.001",method="GET",route="/:code",status="302",service="redirector"} 900', 'le="0.001",method="GET",route="/:code",status="302",service="redirector"} 5900')
  .replace('le="0.01",method="GET",route="/:code",status="302",service="redirector"} 990', 'le="0.01",method="GET",route="/:code",status="302",service="redirector"} 9890')
  .replace('le="0.1",method="GET",route="/:code",status="302",service="redirector"} 1000', 'le="0.1",method="GET",route="/:code",status="302",service="redirector"} 11000')
  .replace('le="+Inf",method="GET",route="/:code",status="302",service="redirector"} 1000', 'le="+Inf",method="GET",route="/:code",status="302",service="redirector"} 11000')
  .replace('route="/api/links",status="500",service="redirector"} 1', 'route="/api/links",status="500",service="redirector"} 3')
  .replace('morphlink_events_spooled_total{service="redirector"} 0', 'morphlink_events_spooled_total{service="redirector"} 50')
  .replace('process_cpu_seconds_total{service="redirector"} 10', 'process_cpu_seconds_total{service="redirector"} 12.5');

const scrapeOf = (text: string, at: number, target = 'http://127.0.0.1:8002'): Scrape => ({ target, at, up: true, samples: parseMetrics(text) });
const down = (at: number, target = 'http://127.0.0.1:8002'): Scrape => ({ target, at, up: false, samples: [] });

const rules = validateRules(
  [
    { name: 'out', when: { signal: 'redirect_rate_per_replica', op: '>', value: 1000, for: 3 }, action: { type: 'scale', target: 1000, min: 1, max: 4 }, cooldown: 30 },
    { name: 'in', when: { signal: 'redirect_rate_per_replica', op: '<', value: 300, for: 2 }, action: { type: 'scale', target: 1000, min: 1, max: 4, stabilisation: 60 }, cooldown: 30 },
    { name: 'down', when: { signal: 'up', op: '<', value: 1, for: 1 }, action: { type: 'log' }, cooldown: 60 },
  ],
  'test rules',
);

/** Runs decide over a list of windows' signals, 5 s apart, and returns every decision with its window index. */
function run(windows: Partial<Signals>[], replicas: (i: number) => number, given: readonly Rule[] = rules) {
  let state: DecideState = initialState();
  const out: { window: number; rule: string; scale?: { from: number; to: number } }[] = [];
  windows.forEach((partial, i) => {
    const signals = { ...computeSignals([], 5), up: 1, ...partial } as Signals;
    const result = decide({ now: i * 5000, signals, rules: given, replicas: replicas(i), state });
    state = result.state;
    for (const d of result.decisions) out.push({ window: i, rule: d.rule, ...(d.scale ? { scale: d.scale } : {}) });
  });
  return out;
}

describe('autopilot signals', () => {
  it('when two recorded scrapes 5 s apart are compared, then rates, percentiles and process signals come from their deltas', () => {
    const s = computeSignals([[scrapeOf(before, 0), scrapeOf(after, 5000)]], 5);
    assert.equal(s.up, 1);
    assert.equal(s.redirect_rate, 2000); // 10 000 redirects in 5 s; the 404 series did not move
    assert.equal(s.redirect_rate_per_replica, 2000);
    assert.equal(s.replicas, 1);
    // The /health series (route is not /:code) is left out: p50 falls in the first bucket.
    assert.equal(s.latency_p50_ms, 1);
    assert.ok(s.latency_p99_ms !== null && s.latency_p99_ms > 10 && s.latency_p99_ms <= 100, String(s.latency_p99_ms));
    assert.equal(s.error_rate_5xx, 0.4);
    assert.equal(s.clicks_spooled_rate, 10);
    assert.equal(s.clicks_buffered, 3);
    assert.equal(s.event_loop_lag_ms, 2);
    assert.equal(s.rss_mb, 100);
    assert.equal(s.cpu, 0.5);
  });

  it('when a target does not answer, then up is 0, it is counted down and the others still give their signals', () => {
    const s = computeSignals([[scrapeOf(before, 0), scrapeOf(after, 5000)], [scrapeOf(before, 0, 'b'), down(5000, 'b')]], 5);
    assert.equal(s.up, 0);
    assert.equal(s.targets_down, 1);
    assert.equal(s.redirect_rate, 2000);
  });

  it('when the gateway counts the same redirects it proxied, then they are not counted twice nor taken for a replica', () => {
    const gateway = (text: string) => text.replaceAll('service="redirector"', 'service="gateway"');
    const s = computeSignals([[scrapeOf(before, 0), scrapeOf(after, 5000)], [scrapeOf(gateway(before), 0, 'g'), scrapeOf(gateway(after), 5000, 'g')]], 5);
    assert.equal(s.redirect_rate, 2000);
    assert.equal(s.replicas, 1);
    assert.equal(s.redirect_rate_per_replica, 2000);
  });

  it('when nothing was redirected in the window, then the percentiles are null, not 0', () => {
    const s = computeSignals([[scrapeOf(before, 0), scrapeOf(before, 5000)]], 5);
    assert.equal(s.latency_p99_ms, null);
    assert.equal(s.redirect_rate, 0);
  });
});

describe('autopilot decide', () => {
  it('when the rate per replica stays above the threshold for 3 windows, then it scales out once, HPA style, then waits out the cooldown', () => {
    const decisions = run(Array.from({ length: 6 }, () => ({ redirect_rate_per_replica: 2500 })), () => 1);
    assert.deepEqual(decisions, [{ window: 2, rule: 'out', scale: { from: 1, to: 3 } }]);
  });

  it('when the signal drops below the threshold for one window, then the streak starts again', () => {
    const windows = [2500, 2500, 500, 2500, 2500, 2500].map((v) => ({ redirect_rate_per_replica: v }));
    assert.deepEqual(run(windows, () => 1), [{ window: 5, rule: 'out', scale: { from: 1, to: 3 } }]);
  });

  it('when the signal is within the tolerance of the target, then no scale is decided', () => {
    const action = { type: 'scale' as const, target: 1000, min: 1, max: 4, tolerance: 0.1 };
    assert.equal(desiredReplicas(action, 2, 1050), 2);
    assert.equal(desiredReplicas(action, 2, 1200), 3);
    assert.equal(desiredReplicas(action, 3, 10_000), 4); // max
    assert.equal(desiredReplicas(action, 3, 0), 1); // min
  });

  it('when load falls after a scale-out, then scale-in waits for its stabilisation window, and decides once', () => {
    const windows = [...Array.from({ length: 3 }, () => ({ redirect_rate_per_replica: 2500 })), ...Array.from({ length: 16 }, () => ({ redirect_rate_per_replica: 100 }))];
    // Three replicas from window 3 on; until window 2+12 the out rule's recommendation of 3 holds scale-in back.
    const decisions = run(windows, (i) => (i >= 3 ? 3 : 1));
    assert.deepEqual(decisions, [
      { window: 2, rule: 'out', scale: { from: 1, to: 3 } },
      { window: 15, rule: 'in', scale: { from: 3, to: 1 } },
    ]);
  });

  it('when a target is down, then the alert rule acts once per cooldown, and a null signal never meets a condition', () => {
    const windows = Array.from({ length: 14 }, () => ({ up: 0, redirect_rate_per_replica: null }));
    assert.deepEqual(run(windows, () => 1).map((d) => d.window), [0, 12]);
  });
});

describe('autopilot rules', () => {
  it('when a rule has a bad field, then the message names the rule and the field', () => {
    const bad = [{ name: 'too-eager', when: { signal: 'latency_p99_ms', op: '>', value: 'fast', for: 3 }, action: { type: 'log' }, cooldown: 10 }];
    assert.throws(() => validateRules(bad, 'rules.json'), /rules\.json: rule "too-eager": field "when\.value"/);
    const unknown = [{ name: 'x', when: { signal: 'latency', op: '>', value: 1, for: 1 }, action: { type: 'log' }, cooldown: 0 }];
    assert.throws(() => validateRules(unknown, 'rules.json'), /rule "x": field "when\.signal"/);
    assert.throws(() => validateRules([{ when: {} }], 'rules.json'), /rule #1: field/);
  });
});

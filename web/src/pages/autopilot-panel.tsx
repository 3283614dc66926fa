import { formatDateTime } from '../format.ts';
import type { AutopilotAnswer, Decision } from '../system/system.api.ts';

const formatSignal = (value: number | null) => (value === null ? '—' : Number.isInteger(value) ? String(value) : value.toFixed(3));

function why(d: Decision): string {
  const scale = d.scale ? ` → ${d.scale.from} to ${d.scale.to} replicas` : '';
  return `${d.when.signal} ${d.when.op} ${d.when.value} (was ${formatSignal(d.when.actual)})${scale}`;
}

function Decisions({ decisions }: { decisions: readonly Decision[] }) {
  if (decisions.length === 0) return <p class="muted">No decisions yet: no rule's condition has held long enough.</p>;
  return (
    <div class="table-wrap">
      <table class="plain" aria-label="Recent decisions">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Rule</th>
            <th scope="col">Action</th>
            <th scope="col">Result</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {decisions.slice(0, 20).map((d) => (
            <tr key={`${d.at}-${d.rule}`}>
              <td>{formatDateTime(d.at)}</td>
              <td>{d.rule}</td>
              <td>{d.action.type}</td>
              <td class={`status status-${d.result === 'failed' ? 'bad' : 'ok'}`} title={d.error}>
                {d.result}
              </td>
              <td>{why(d)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** undefined: not asked yet. */
export function AutopilotPanel({ answer }: { answer: AutopilotAnswer | undefined }) {
  const snapshot = answer && 'snapshot' in answer ? answer.snapshot : null;
  return (
    <section class="card" aria-labelledby="autopilot-heading">
      <h2 id="autopilot-heading">Autopilot</h2>
      {answer === undefined ? (
        <div class="skeleton list-skeleton" />
      ) : snapshot === null ? (
        <>
          <p class="muted">
            Autopilot not running. Start it with <code>morphlink up --autopilot</code> or <code>morphlink autopilot</code>.
          </p>
          <p class="muted small">
            <code>GET /api/autopilot</code> {'status' in answer && answer.status ? `answered ${answer.status}` : 'did not answer'} on this server.
          </p>
        </>
      ) : (
        <>
          <h3>Signals</h3>
          {snapshot.signals === null ? (
            <p class="muted">No signals yet: the first window has not ended.</p>
          ) : (
            <dl class="signals">
              {Object.entries(snapshot.signals).map(([name, value]) => (
                <div key={name}>
                  <dt>{name}</dt>
                  <dd>{formatSignal(value)}</dd>
                </div>
              ))}
            </dl>
          )}
          <h3>Recent decisions</h3>
          <Decisions decisions={snapshot.decisions} />
        </>
      )}
    </section>
  );
}

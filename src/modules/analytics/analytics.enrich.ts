import Bowser from 'bowser';
import { isbot } from 'isbot';
import { LRUCache } from 'lru-cache';
import { DIMENSIONS, type Dimension } from './analytics.dimensions.ts';
import type { ClickEvent } from './analytics.port.ts';

export interface Agent {
  isBot: boolean;
  browser: string;
  os: string;
  device: string;
}

const UNKNOWN = 'unknown';

// Real traffic repeats a few thousand user agents; parsing each once keeps ingestion cheap.
const agents = new LRUCache<string, Agent>({ max: 5_000 });

/** Bot flag (isbot) and browser/OS/device (bowser, MIT) of a user agent, done at ingestion, off the redirect path. */
export function classifyAgent(userAgent: string | null | undefined): Agent {
  const ua = userAgent ?? '';
  let agent = agents.get(ua);
  if (!agent) {
    const parsed = ua ? Bowser.parse(ua) : null;
    agent = {
      isBot: ua === '' ? false : isbot(ua),
      browser: parsed?.browser.name ?? UNKNOWN,
      os: parsed?.os.name ?? UNKNOWN,
      device: parsed?.platform.type ?? UNKNOWN,
    };
    agents.set(ua, agent);
  }
  return agent;
}

// Referrers repeat too: a URL parse per click was a fifth of the rollup's work.
const hosts = new LRUCache<string, string>({ max: 10_000 });

/** The referring host, or "direct" when there is none. */
export function referrerHost(referrer: string | null | undefined): string {
  if (!referrer) return 'direct';
  let host = hosts.get(referrer);
  if (host === undefined) {
    host = URL.canParse(referrer) ? new URL(referrer).host.toLowerCase() || 'direct' : UNKNOWN;
    hosts.set(referrer, host);
  }
  return host;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** How each breakdown of DIMENSIONS is read off a click (null: the click has none): the Record type makes a new one need its line here. */
const EXTRACT: { [D in Dimension]: (event: ClickEvent, agent: Agent) => string | null } = {
  referrer: (event) => referrerHost(event.referrer),
  browser: (_, agent) => agent.browser,
  os: (_, agent) => agent.os,
  device: (_, agent) => agent.device,
  country: (event) => event.country?.toUpperCase() || UNKNOWN,
  target: (event) => event.target ?? null,
};

/** Each dimension's extractor, in DIMENSIONS order: the rollup's loop reads them without making a list per click. */
export const EXTRACTORS: readonly ((event: ClickEvent, agent: Agent) => string | null)[] = DIMENSIONS.map((d) => EXTRACT[d.name]);

/** Each dimension's value for one click, in DIMENSIONS order; a dimension the click has none of is left out. */
export function dimensionsOf(event: ClickEvent, agent: Agent): { dimension: Dimension; value: string }[] {
  const values: { dimension: Dimension; value: string }[] = [];
  for (const { name } of DIMENSIONS) {
    const value = EXTRACT[name](event, agent);
    if (value !== null) values.push({ dimension: name, value });
  }
  return values;
}

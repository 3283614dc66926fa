import Bowser from 'bowser';
import { isbot } from 'isbot';
import { LRUCache } from 'lru-cache';
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

/** The referring host, or "direct" when there is none. */
export function referrerHost(referrer: string | null | undefined): string {
  if (!referrer) return 'direct';
  return URL.canParse(referrer) ? new URL(referrer).host.toLowerCase() || 'direct' : UNKNOWN;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface Dimensions {
  referrer: string;
  browser: string;
  os: string;
  device: string;
  country: string;
}

export function dimensionsOf(event: ClickEvent, agent: Agent): Dimensions {
  return {
    referrer: referrerHost(event.referrer),
    browser: agent.browser,
    os: agent.os,
    device: agent.device,
    country: event.country?.toUpperCase() || UNKNOWN,
  };
}

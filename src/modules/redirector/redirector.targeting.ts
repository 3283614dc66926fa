import type { TargetRule } from '../links/index.ts';
import type { ResolvedLink, Visit } from './redirector.port.ts';

type Device = NonNullable<TargetRule['device']>;
type Os = NonNullable<TargetRule['os']>;

/** What a User-Agent says of the visitor's platform, as far as targeting rules need it. */
export interface Platform {
  device: Device | null;
  os: Os | null;
}

/**
 * The platform from the User-Agent, by a few substring tests: this runs on the redirect path, and
 * only for links with rules. Analytics classifies agents fully (bowser) later, off that path. An
 * iPad asking for the desktop site says "Macintosh" and counts as macOS, as it asked to.
 */
export function platformOf(userAgent: string): Platform {
  if (/iPhone|iPad|iPod/.test(userAgent)) return { device: 'ios', os: 'ios' };
  if (userAgent.includes('Android')) return { device: 'android', os: 'android' };
  const os: Os | null = userAgent.includes('Windows')
    ? 'windows'
    : userAgent.includes('CrOS')
      ? 'chromeos'
      : /Macintosh|Mac OS X/.test(userAgent)
        ? 'macos'
        : userAgent.includes('Linux')
          ? 'linux'
          : null;
  // A phone or tablet of another kind (KaiOS, Windows Phone) is neither desktop nor iOS/Android.
  const mobile = /Mobi|Tablet|Phone/.test(userAgent);
  return { device: os !== null && !mobile ? 'desktop' : null, os };
}

/** A visitor's country for rules: a trusted proxy's header first, else the address looked up (if it can be). */
export type CountryOf = (ip: string) => string | null;

export interface Target {
  /** Where the visitor goes. */
  url: string;
  /** What the click records: the chosen URL when the link has rules (its own url as the fallback), else null. */
  recorded: string | null;
}

/** The first rule whose every condition holds picks the target; none, and the link's own url is used. */
export function chooseTarget(link: ResolvedLink, visit: Visit, countryOf: CountryOf = () => null): Target {
  if (link.rules.length === 0) return { url: link.url, recorded: null };
  let platform: Platform | undefined;
  let country: string | null | undefined;
  for (const rule of link.rules) {
    if (rule.device !== undefined || rule.os !== undefined) {
      platform ??= platformOf(visit.userAgent);
      if (rule.device !== undefined && rule.device !== platform.device) continue;
      if (rule.os !== undefined && rule.os !== platform.os) continue;
    }
    if (rule.country !== undefined) {
      if (country === undefined) country = visit.country?.toUpperCase() ?? countryOf(visit.ip);
      if (rule.country !== country) continue;
    }
    return { url: rule.url, recorded: rule.url };
  }
  return { url: link.url, recorded: link.url };
}

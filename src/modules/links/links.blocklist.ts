import { readFileSync } from 'node:fs';
import { domainToASCII } from 'node:url';

/** Domains no link may point at (BLOCKED_DOMAINS, BLOCKED_DOMAINS_FILE), each with its subdomains. */
export interface BlockedDomains {
  /** The blocked entry a host falls under (the host itself or a parent domain), or null. */
  match(hostname: string): string | null;
  readonly size: number;
}

/**
 * One spelling per domain, as the WHATWG URL parser gives a target's host: lower case, punycode
 * for a non-ASCII name, no trailing dot. `*.example.com` and `.example.com` mean example.com and its
 * subdomains, which is what every entry means.
 */
function normaliseEntry(entry: string): string {
  const bare = entry.trim().toLowerCase().replace(/^\*?\./, '').replace(/\.$/, '');
  const ascii = bare.startsWith('[') ? bare : domainToASCII(bare);
  if (!ascii || /[/:?#@\s]/.test(ascii.replace(/^\[[0-9a-f:.]+\]$/, ''))) {
    throw new Error(`"${entry.trim()}" is not a domain name (blocked domains are names like example.com, one per entry)`);
  }
  return ascii;
}

export function blockedDomains(entries: readonly string[]): BlockedDomains {
  const blocked = new Set(entries.filter((e) => e.trim() !== '').map(normaliseEntry));
  return {
    size: blocked.size,
    match(hostname) {
      if (blocked.size === 0) return null;
      // example.com, then its parents: a.b.example.com is checked as itself, b.example.com, example.com, com.
      let host = hostname.toLowerCase().replace(/\.$/, '');
      for (;;) {
        if (blocked.has(host)) return host;
        const dot = host.indexOf('.');
        if (dot < 0 || host.startsWith('[')) return null;
        host = host.slice(dot + 1);
      }
    },
  };
}

/** The lines of a blocklist file: one domain per line; `#` starts a comment; blank lines are skipped. */
export function parseBlocklistFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

/** BLOCKED_DOMAINS plus the lines of BLOCKED_DOMAINS_FILE, read once at start; a bad entry stops the start. */
export function loadBlockedDomains(config: { blockedDomains: readonly string[]; blockedDomainsFile: string | null }): BlockedDomains {
  const fromFile = config.blockedDomainsFile ? parseBlocklistFile(readBlocklist(config.blockedDomainsFile)) : [];
  return blockedDomains([...config.blockedDomains, ...fromFile]);
}

function readBlocklist(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`BLOCKED_DOMAINS_FILE ${path} cannot be read: ${(error as Error).message}`);
  }
}

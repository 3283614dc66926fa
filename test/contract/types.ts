/** The public JSON shapes, as API.md promises them. */
export interface Link {
  id: string;
  code: string;
  shortUrl: string;
  url: string;
  title: string | null;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  maxClicks: number | null;
  clicks: number;
  redirectType: number;
  hasPassword: boolean;
  rules: TargetRule[];
}

/** One targeting rule: conditions on the visitor, and where a visitor who meets them goes. */
export interface TargetRule {
  device?: string;
  os?: string;
  country?: string;
  url: string;
}

export interface Page {
  items: Link[];
  nextCursor: string | null;
}

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** For programs: stable across releases (VALIDATION, CODE_TAKEN, BLOCKED_DOMAIN…). */
  code: string;
  errors?: FieldError[];
}

export interface Count {
  value: string;
  count: number;
}

export interface LinkStats {
  code: string;
  total: number;
  unique: number;
  bots: number;
  series: { t: string | number; count: number }[];
  referrers: Count[];
  browsers: Count[];
  os: Count[];
  devices: Count[];
  countries: Count[];
  /** Links with targeting rules: the URL each click was sent to. */
  targets: Count[];
}

export interface UserStats {
  user: string;
  links: number;
  clicks: number;
  top: { code: string; clicks: number }[];
}

export interface EventsReply {
  accepted: number;
  duplicates: number;
  /** The id of the database that stored them. */
  database: string;
}

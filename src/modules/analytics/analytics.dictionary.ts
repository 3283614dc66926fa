/** The dictionaries of migration 003: table, key column, and how many keys memory holds. */
export const DICTIONARIES = {
  batches: { table: 'click_batches', column: 'batch_key', max: 10_000 },
  links: { table: 'click_link_keys', column: 'link_id', max: 100_000 },
  agents: { table: 'click_agents', column: 'user_agent', max: 10_000 },
  referrers: { table: 'click_referrers', column: 'referrer', max: 50_000 },
  visitors: { table: 'click_visitor_keys', column: 'visitor', max: 200_000 },
} as const;

export type DictionaryName = keyof typeof DICTIONARIES;
export const DICTIONARY_NAMES = Object.keys(DICTIONARIES) as DictionaryName[];

/**
 * Text to its dictionary id, kept in memory so a hot string costs a Map lookup, not a query.
 * Ids a transaction found or made join the memory only after it committed (remember): a
 * rolled-back insert must not leave an id that names no row, even with transactions interleaved.
 */
export function createDictionaryMemory(max: number) {
  const known = new Map<string, number>();
  return {
    get: (key: string): number | undefined => known.get(key),
    remember(fresh: ReadonlyMap<string, number>) {
      // Cheaper than an LRU and enough: hot strings come back with the next batch.
      if (known.size + fresh.size > max) known.clear();
      for (const [key, id] of fresh) known.set(key, id);
    },
  };
}

type Memories = Record<DictionaryName, ReturnType<typeof createDictionaryMemory>>;

/** A transaction's view of the dictionaries: memory first, then what it resolved itself. */
export interface DictionaryScope {
  get(name: DictionaryName, key: string): number | undefined;
  add(name: DictionaryName, key: string, id: number): void;
  /** After COMMIT: what this transaction resolved becomes memory. */
  committed(): void;
}

/** The process's memory of all dictionaries; `begin()` opens the view of one transaction. */
export function createDictionaries() {
  const memories = Object.fromEntries(DICTIONARY_NAMES.map((name) => [name, createDictionaryMemory(DICTIONARIES[name].max)])) as Memories;
  return {
    begin(): DictionaryScope {
      const fresh = Object.fromEntries(DICTIONARY_NAMES.map((name) => [name, new Map<string, number>()])) as Record<DictionaryName, Map<string, number>>;
      return {
        get: (name, key) => memories[name].get(key) ?? fresh[name].get(key),
        add: (name, key, id) => void fresh[name].set(key, id),
        committed: () => DICTIONARY_NAMES.forEach((name) => memories[name].remember(fresh[name])),
      };
    },
  };
}

import { Type } from 'typebox';
import type { App } from './app.ts';

/**
 * The replicas of one service, by URL, as the supervisor announces them: a member joining is
 * added (a client opened, an upstream added), a member leaving is removed (its client closed).
 * The gateway and the links service each keep one for the redirectors.
 */
export function createReplicaSet<T>(urls: readonly string[], members: { add(url: string): T; remove(url: string, member: T): void }) {
  const current = new Map<string, T>(urls.map((url) => [url, members.add(url)]));
  return {
    urls: (): string[] => [...current.keys()],
    members: (): T[] => [...current.values()],
    get size() {
      return current.size;
    },
    update(next: readonly string[]): void {
      for (const url of next) if (!current.has(url)) current.set(url, members.add(url));
      for (const [url, member] of current) {
        if (!next.includes(url)) {
          current.delete(url);
          members.remove(url, member);
        }
      }
    },
  };
}

export type ReplicaSet<T> = ReturnType<typeof createReplicaSet<T>>;

/** PUT <path> {urls}: how the supervisor tells this process the replica list (guard it with the token). */
export function replicaRoutes(app: App, path: string, replicas: Pick<ReplicaSet<unknown>, 'update' | 'urls'>, minItems = 0): void {
  app.put(path, { schema: { hide: true, body: Type.Object({ urls: Type.Array(Type.String({ maxLength: 2048 }), { minItems, maxItems: 64 }) }, { additionalProperties: false }) } }, async (request) => {
    replicas.update(request.body.urls);
    return { replicas: replicas.urls() };
  });
}

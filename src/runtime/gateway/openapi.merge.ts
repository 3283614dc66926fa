/** The parts of an OpenAPI document the gateway merges; the rest is taken from the first service's. */
export interface OpenApi {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; [key: string]: unknown };
  tags?: { name: string }[];
  [key: string]: unknown;
}

/** Peer-to-peer routes: served by the services, never routed by the gateway, so never described by it. */
function isInternal(path: string, method: string): boolean {
  return path === '/internal' || path.startsWith('/internal/') || (path === '/events' && method === 'post');
}

/**
 * The fleet's description: the union of the services' paths and shared schemas. A path served by
 * several services (/health, /ready, /metrics) is described alike by each, so the last one wins.
 */
export function mergeSpecs(parts: readonly OpenApi[]): OpenApi {
  const [first] = parts;
  if (!first) throw new Error('mergeSpecs needs at least one document');
  const paths: OpenApi['paths'] = {};
  for (const part of parts) {
    for (const [path, operations] of Object.entries(part.paths ?? {})) {
      const kept = Object.fromEntries(Object.entries(operations).filter(([method]) => !isInternal(path, method)));
      if (Object.keys(kept).length > 0) paths[path] = { ...paths[path], ...kept };
    }
  }
  const schemas = Object.assign({}, ...parts.map((p) => p.components?.schemas ?? {})) as Record<string, unknown>;
  const tags = [...new Map(parts.flatMap((p) => p.tags ?? []).map((t) => [t.name, t])).values()];
  return {
    ...first,
    paths,
    components: { ...first.components, schemas },
    ...(tags.length > 0 ? { tags } : {}),
  };
}

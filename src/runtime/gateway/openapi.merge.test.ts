import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeSpecs, type OpenApi } from './openapi.merge.ts';

const doc = (paths: OpenApi['paths'], schemas: Record<string, unknown> = {}): OpenApi => ({
  openapi: '3.1.0',
  info: { title: 'MorphLink', version: '1' },
  paths,
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas },
});
const op = (operationId: string) => ({ operationId, responses: { 200: { description: 'ok' } } });

describe('mergeSpecs', () => {
  it('when services describe their routes, then the merge has every public path and shared schema once', () => {
    const merged = mergeSpecs([
      doc({ '/api/links': { get: op('listLinks'), post: op('createLink') }, '/health': { get: op('getHealth') } }, { Problem: { type: 'object' } }),
      doc({ '/api/stats': { get: op('getMyStats') }, '/health': { get: op('getHealth') } }, { Problem: { type: 'object' } }),
    ]);
    assert.deepEqual(Object.keys(merged.paths).sort(), ['/api/links', '/api/stats', '/health']);
    assert.deepEqual(Object.keys(merged.paths['/api/links']!).sort(), ['get', 'post']);
    assert.deepEqual(Object.keys(merged.components?.schemas ?? {}), ['Problem']);
    assert.ok(merged.components?.securitySchemes, 'the first document’s security schemes are kept');
  });

  it('when a service still lists /internal/* or POST /events, then the merge leaves them out', () => {
    const merged = mergeSpecs([
      doc({ '/internal/links/{code}': { get: op('resolve') }, '/internal/api/links': { get: op('listLinks') } }),
      doc({ '/events': { post: op('ingest') }, '/{code}': { get: op('visitShort'), post: op('unlockShort') } }),
    ]);
    assert.deepEqual(Object.keys(merged.paths), ['/{code}']);
    assert.deepEqual(Object.keys(merged.paths['/{code}']!).sort(), ['get', 'post']);
  });
});

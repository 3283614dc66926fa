import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { assertStatus } from './expect.ts';
import { observeExchanges, type Exchange } from './http.ts';
import { findOperation, operationsOf, undocumentedStatuses, type OpenApiDocument } from './openapi.ts';
import type { Suite } from './suite.ts';

/**
 * /openapi.json against what the server does. Registered after every other case: it records
 * every exchange of the run from the moment it is registered, and checks them at the end.
 */
export function openapiCases(s: Suite): void {
  const seen: Exchange[] = [];
  observeExchanges((exchange) => seen.push(exchange));
  let cached: OpenApiDocument | undefined;
  const documentOf = async (): Promise<OpenApiDocument> => {
    if (cached) return cached;
    const res = await s.anon.get<OpenApiDocument>('/openapi.json');
    assertStatus(res, 200);
    return (cached = res.body);
  };

  describe('openapi', () => {
    it('when /openapi.json is validated with swagger-parser, then it is a valid OpenAPI 3.1 document', async () => {
      const doc = await documentOf();
      assert.match(doc.openapi, /^3\.1\./);
      // validate() dereferences in place: give it a copy.
      await SwaggerParser.validate(structuredClone(doc) as never);
    });

    it('when its operations are read, then each has a unique operationId, a summary and a tag, and none is internal', async () => {
      const operations = operationsOf(await documentOf());
      assert.ok(operations.length >= 20, `only ${operations.length} operations`);
      const ids = operations.map(({ operation }) => operation.operationId);
      for (const { method, path, operation } of operations) {
        const label = `${method} ${path}`;
        assert.ok(operation.operationId, `${label}: operationId`);
        assert.ok(operation.summary, `${label}: summary`);
        assert.ok(operation.tags?.length, `${label}: tags`);
        assert.equal(ids.indexOf(operation.operationId), ids.lastIndexOf(operation.operationId), `${label}: operationId used twice`);
        assert.ok(!path.startsWith('/internal'), `${label} is internal`);
        assert.ok(!(path === '/events' && method === 'post'), 'POST /events is internal');
      }
    });

    it('when responses are read, then DELETEs are 204 and every 4xx/5xx is problem+json with the shared Problem schema', async () => {
      const doc = await documentOf();
      const problem = doc.components?.schemas?.Problem;
      assert.deepEqual([...(problem?.required ?? [])].sort(), ['code', 'detail', 'status', 'title', 'type']);
      assert.ok(problem?.properties?.errors, 'Problem.errors');
      for (const { method, path, operation } of operationsOf(doc)) {
        const responses = operation.responses ?? {};
        if (method === 'delete') {
          assert.ok('204' in responses && !('200' in responses), `${method} ${path}: 204, not 200`);
          assert.equal(responses['204']?.content, undefined, `${method} ${path}: a 204 has no body`);
        }
        for (const [status, response] of Object.entries(responses)) {
          if (Number(status) < 400 || (path === '/health' && status === '503')) continue;
          // The password form's 401 is the form again, for the browser that posted it.
          if (Object.keys(response.content ?? {}).join() === 'text/html') continue;
          const schema = response.content?.['application/problem+json']?.schema;
          assert.equal(schema?.$ref, '#/components/schemas/Problem', `${method} ${path} ${status}: problem+json`);
        }
      }
    });

    it('when a parameter has a default, then it is not marked required', async () => {
      for (const { method, path, operation } of operationsOf(await documentOf())) {
        for (const parameter of operation.parameters ?? []) {
          if (parameter.schema?.default === undefined) continue;
          assert.notEqual(parameter.required, true, `${method} ${path}: ${parameter.name} has a default`);
        }
      }
    });

    it('when the suite has run, then every status it saw on a documented route is documented for that operation', async () => {
      const doc = await documentOf();
      const ours = seen.filter((e) => e.baseUrl === s.target.baseUrl);
      assert.deepEqual(undocumentedStatuses(doc, ours), []);

      // The check itself: enough of the run was matched to mean something, and a status taken
      // out of the document is reported.
      const matched = ours.map((e) => ({ e, found: findOperation(doc, e.method, e.path) })).filter((m) => m.found);
      const pairs = new Set(matched.map(({ e, found }) => `${found!.operation.operationId} ${e.status}`));
      assert.ok(pairs.size >= 30, `only ${pairs.size} (operation, status) pairs seen`);
      const { e, found } = matched.find((m) => m.e.status >= 400)!;
      const pruned = structuredClone(doc);
      const item = pruned.paths[found!.template]!;
      const operation = item[e.method.toLowerCase()] ?? item.get!;
      delete operation.responses![String(e.status)];
      assert.equal(undocumentedStatuses(pruned, ours).some((line) => line.includes(`answered ${e.status}`)), true);
    });
  });
}

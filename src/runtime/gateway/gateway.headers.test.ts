import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { originForm } from '../../common/http/protocol-errors.ts';
import { forwardedHeaders, withoutHopHeaders } from './gateway.headers.ts';

describe('gateway headers', () => {
  const client = { 'cf-ipcountry': 'KP', 'x-country': 'KP', 'user-agent': 'ua', 'x-forwarded-for': '6.6.6.6' };

  it('when the client is not a trusted proxy, then its country headers are dropped and X-Forwarded-For is its address', () => {
    assert.deepEqual(forwardedHeaders(client, '203.0.113.9', false), { 'user-agent': 'ua', 'x-forwarded-for': '203.0.113.9' });
  });

  it('when the client is a trusted proxy, then its country headers pass', () => {
    assert.equal(forwardedHeaders(client, '203.0.113.9', true)['cf-ipcountry'], 'KP');
  });

  it("when the upstream answers keep-alive, then its Connection and Keep-Alive headers are not passed on", () => {
    const upstream = { connection: 'keep-alive', 'keep-alive': 'timeout=5', location: '/x' } as Record<string, string>;
    assert.deepEqual(withoutHopHeaders(upstream), { location: '/x' });
  });
});

describe('originForm', () => {
  it('when the request line is in absolute form, then only its path and query remain', () => {
    assert.equal(originForm('http://127.0.0.1:8001/internal/links/x?a=1'), '/internal/links/x?a=1');
    assert.equal(originForm('HTTP://example.com'), '/');
    assert.equal(originForm('http://example.com?q=1'), '/?q=1');
    assert.equal(originForm('/api/links?x=http://a'), '/api/links?x=http://a');
    assert.equal(originForm('*'), '*');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, SETTINGS, configSlice, loadConfig } from './config.ts';

/** Asserts that loading `env` fails with a ConfigError that names `variable`. */
function assertRejects(env: Record<string, string>, variable: string) {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => error instanceof ConfigError && error.message.startsWith(`Invalid configuration: ${variable}=`),
  );
}

describe('loadConfig', () => {
  it('when the environment is empty, then every setting takes its documented default', () => {
    const config = loadConfig({});
    assert.equal(config.mode, 'monolith');
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8000);
    assert.equal(config.baseUrl, 'http://127.0.0.1:8000');
    assert.equal(config.databaseUrl, 'sqlite:./data/morphlink.db');
    assert.deepEqual(config.moduleDatabaseUrls, {
      auth: 'sqlite:./data/morphlink.db',
      links: 'sqlite:./data/morphlink.db',
      analytics: 'sqlite:./data/morphlink.db',
    });
    assert.deepEqual(config.servicePorts, { links: 8001, redirector: 8002, analytics: 8003, auth: 8004 });
    assert.equal(config.serviceUrls.links, 'http://127.0.0.1:8001');
    assert.equal(config.authMode, 'apikey');
    assert.deepEqual(config.users, ['alice', 'bob']);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.internalToken, null);
    assert.equal(config.redisUrl, null);
    assert.equal(config.bodyLimitBytes, 1_048_576);
    assert.ok(Object.isFrozen(config));
  });

  it('when MODE is spelled MONOLITH or microservice, then it is read as the canonical mode', () => {
    assert.equal(loadConfig({ MODE: 'MONOLITH' }).mode, 'monolith');
    assert.equal(loadConfig({ MODE: 'microservice' }).mode, 'microservices');
    assert.equal(loadConfig({ MODE: 'MICROSERVICE' }).mode, 'microservices');
    assert.equal(loadConfig({ MODE: 'microservices' }).mode, 'microservices');
  });

  it('when MODE is neither, then it throws naming MODE', () => {
    assertRejects({ MODE: 'cluster' }, 'MODE');
  });

  it('when PORT is not an integer in 0..65535, then it throws naming PORT', () => {
    for (const bad of ['abc', '8000.5', '-1', '65536']) assertRejects({ PORT: bad }, 'PORT');
  });

  it('when PORT is set, then the default BASE_URL follows it and a 0.0.0.0 host reads as loopback', () => {
    const config = loadConfig({ PORT: ' 9090 ', HOST: '0.0.0.0' });
    assert.equal(config.port, 9090);
    assert.equal(config.baseUrl, 'http://127.0.0.1:9090');
  });

  it('when BASE_URL ends in slashes, then they are dropped so short URLs have exactly one', () => {
    assert.equal(loadConfig({ BASE_URL: 'https://mlk.example/' }).baseUrl, 'https://mlk.example');
  });

  it('when DATABASE_URL is neither sqlite: nor postgres://, then it throws naming DATABASE_URL', () => {
    assertRejects({ DATABASE_URL: 'mysql://root@localhost/db' }, 'DATABASE_URL');
    assertRejects({ DATABASE_URL: './data/file.db' }, 'DATABASE_URL');
  });

  it('when DATABASE_URL is postgres, then each module database defaults to it unless overridden', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/a', LINKS_DATABASE_URL: 'postgresql://u@h:5432/b' });
    assert.equal(config.moduleDatabaseUrls.auth, 'postgres://u@h:5432/a');
    assert.equal(config.moduleDatabaseUrls.links, 'postgresql://u@h:5432/b');
  });

  it('when AUTH_MODE is not apikey or header, then it throws naming AUTH_MODE', () => {
    assertRejects({ AUTH_MODE: 'basic' }, 'AUTH_MODE');
    assert.equal(loadConfig({ AUTH_MODE: 'HEADER' }).authMode, 'header');
  });

  it('when LOG_LEVEL is not a pino level, then it throws naming LOG_LEVEL', () => {
    assertRejects({ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL');
    assert.equal(loadConfig({ LOG_LEVEL: 'Silent' }).logLevel, 'silent');
  });

  it('when USERS holds a name with a space, then it throws naming USERS', () => {
    assertRejects({ USERS: 'alice, bob smith' }, 'USERS');
    assert.deepEqual(loadConfig({ USERS: ' carol , dave ,' }).users, ['carol', 'dave']);
  });

  it('when the rate limits are unset, given, 0 or not a count, then defaults, values, off, or an error naming the variable', () => {
    assert.deepEqual(loadConfig({}).rateLimits, { apiPerMin: 600, createPerMin: 120, passwordPerMin: 10 });
    assert.deepEqual(
      loadConfig({ RATE_LIMIT_API_PER_MIN: '0', RATE_LIMIT_CREATE_PER_MIN: '5', RATE_LIMIT_PASSWORD_PER_MIN: '3' }).rateLimits,
      { apiPerMin: 0, createPerMin: 5, passwordPerMin: 3 },
    );
    assertRejects({ RATE_LIMIT_PASSWORD_PER_MIN: '-1' }, 'RATE_LIMIT_PASSWORD_PER_MIN');
    assertRejects({ RATE_LIMIT_CREATE_PER_MIN: '10/s' }, 'RATE_LIMIT_CREATE_PER_MIN');
  });

  it('when a variable is blank, then its default applies as if it were unset', () => {
    assert.equal(loadConfig({ PORT: '  ', LOG_LEVEL: '' }).port, 8000);
  });
});

describe('the config table', () => {
  it('when a variable that has a format gets a value outside it, then loading throws naming that variable', () => {
    const free = ['text', 'comma-separated list'];
    const checked = SETTINGS.filter((s) => !free.includes(s.parse.format) || s.env === 'USERS');
    assert.ok(checked.length >= 25, `only ${checked.length} checked variables`);
    for (const setting of checked) assertRejects({ [setting.env]: 'not valid ☃' }, setting.env);
  });

  it('when a variable is set, then exactly the Config field its row names changes', () => {
    const base = loadConfig({});
    const given: Record<string, string> = { CACHE_TTL_MS: '7', AUTH_PORT: '9004', VISITOR_SECRET: 's3', SPOOL_DIR: '/tmp/s' };
    const changed = loadConfig(given);
    assert.equal(changed.cacheTtlMs, 7);
    assert.deepEqual(changed.servicePorts, { ...base.servicePorts, auth: 9004 });
    assert.equal(changed.serviceUrls.auth, 'http://127.0.0.1:9004', 'AUTH_URL follows AUTH_PORT');
    assert.equal(changed.visitorSecret, 's3');
    assert.equal(changed.spoolDir, '/tmp/s');
    assert.ok(Object.isFrozen(changed.servicePorts) && Object.isFrozen(changed.rateLimits));
  });
});

describe('configSlice', () => {
  it('when a module asks for its slice, then it gets its own fields and the every-process ones, and nothing else', () => {
    const config = loadConfig({ BASE_URL: 'https://mlk.example', CACHE_MAX: '5' });
    const links = configSlice(config, 'links');
    assert.equal(links.baseUrl, 'https://mlk.example');
    assert.equal(links.clickTotalsTimeoutMs, 1_000);
    assert.equal(links.logLevel, 'info', 'an every-process setting');
    assert.ok(!('cacheMax' in links) && !('visitorSecret' in links) && !('supervisorPort' in links));
    const redirector = configSlice(config, 'redirector');
    assert.equal(redirector.cacheMax, 5);
    assert.ok(!('baseUrl' in redirector));
    assert.ok(Object.isFrozen(links));
  });

  it('when a module reads a field outside its slice, then it does not compile (typed by the table)', () => {
    const links = configSlice(loadConfig({}), 'links');
    // @ts-expect-error cacheMax is the redirector's, not in the links slice
    assert.equal(links.cacheMax, undefined);
    const cli = configSlice(loadConfig({}), 'cli');
    // @ts-expect-error the CLI reads databases, not the listening port
    assert.equal(cli.port, undefined);
  });

  it('when every reader takes its slice, then together they cover every Config field', () => {
    const config = loadConfig({});
    const readers = ['auth', 'links', 'redirector', 'analytics', 'monolith', 'gateway', 'supervisor', 'cli', 'autopilot'] as const;
    const covered = new Set(readers.flatMap((r) => Object.keys(configSlice(config, r))));
    assert.deepEqual([...covered].sort(), Object.keys(config).sort());
  });
});

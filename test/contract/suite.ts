import { api, type Client } from './http.ts';
import { startTarget, type Target, type TargetOptions } from './harness.ts';
import { unique } from './fixtures.ts';

/**
 * What every case file gets. The target only exists once `before` has run, so cases read
 * these properties inside their test bodies, never while registering tests.
 */
export interface Suite {
  readonly opts: TargetOptions;
  readonly target: Target;
  readonly alice: Client;
  readonly bob: Client;
  readonly aliceKey: string;
  /** No credentials at all. */
  readonly anon: Client;
  /** A fresh user, for tests that need an exact, private set of links. */
  newUser(prefix: string): Promise<User>;
}

/** A client that also knows its user name, for the routes that take one. */
export interface User extends Client {
  name: string;
}

export interface SuiteControl extends Suite {
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * The suite against a target `start` brings up: by default one the harness launches from `opts`;
 * the compose test passes the fleet it started from compose.yaml.
 */
export function createSuite(opts: TargetOptions, start: () => Promise<Target> = () => startTarget(opts)): SuiteControl {
  let state: { target: Target; aliceKey: string; bobKey: string } | undefined;
  const ready = () => {
    if (!state) throw new Error('the target is not running: did the suite `before` fail?');
    return state;
  };
  return {
    opts,
    get target() {
      return ready().target;
    },
    get alice() {
      return api(ready().target, ready().aliceKey);
    },
    get bob() {
      return api(ready().target, ready().bobKey);
    },
    get aliceKey() {
      return ready().aliceKey;
    },
    get anon() {
      return api(ready().target);
    },
    async newUser(prefix) {
      const target = ready().target;
      const name = unique(prefix);
      return { ...api(target, await target.createUser(name)), name };
    },
    async start() {
      const target = await start();
      try {
        // One after the other: two CLI writers racing on a fresh SQLite file is not what we test here.
        const aliceKey = await target.createUser('alice');
        const bobKey = await target.createUser('bob');
        state = { target, aliceKey, bobKey };
      } catch (error) {
        await target.dispose();
        throw error;
      }
    },
    async dispose() {
      await state?.target.dispose();
      state = undefined;
    },
  };
}

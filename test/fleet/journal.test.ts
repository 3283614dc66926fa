import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTarget } from '../contract/harness.ts';
import { api, visit } from '../contract/http.ts';
import { assertSettledTotal, createLink, runPool } from '../contract/fixtures.ts';

const BURST = 2_000;
const KILL_AFTER = 700;

/**
 * The click journal's promise: a redirect goes out only once its click is written to the journal,
 * so a monolith killed mid-burst (no flush, no shutdown hook) loses none of the clicks whose
 * redirects reached a client. POSIX-only: SIGKILL is the crash being tested.
 */
const VARIANTS = [
  ['sqlite', 'inline'],
  ['postgres', 'inline'],
  ['sqlite', 'thread'],
] as const;

for (const [db, writer] of VARIANTS) {
  describe(`a monolith on ${db} (CLICK_WRITER=${writer}), SIGKILLed mid-burst`, () => {
    test(
      'when it restarts, then the clicks counted equal the 302s the clients received',
      { skip: process.platform === 'win32' ? 'needs SIGKILL' : false, timeout: 180_000 },
      async (t) => {
        const target = await startTarget({ db, mode: 'monolith', env: { CLICK_WRITER: writer } });
        t.after(() => target.dispose());
        const alice = api(target, await target.createUser('alice'));
        const link = await createLink(alice);

        let redirected = 0;
        let killed: Promise<unknown> | null = null;
        await runPool(BURST, 16, 120_000, async () => {
          const status = await visit(target, `/${link.code}`).then((r) => r.status, () => 0);
          if (status === 302) redirected++;
          if (redirected >= KILL_AFTER) killed ??= target.stop('SIGKILL');
          return status;
        });
        await killed;
        t.diagnostic(`302s received before and around the kill: ${redirected} of ${BURST} requests`);
        assert.ok(redirected >= KILL_AFTER && redirected < BURST, `the kill came mid-burst (${redirected} redirects)`);

        await target.restart();
        await assertSettledTotal(alice, link.code, redirected);
      },
    );
  });
}

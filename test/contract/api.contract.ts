import { after, before, describe } from 'node:test';
import type { TargetOptions } from './harness.ts';
import { createSuite } from './suite.ts';
import { authCases } from './auth.cases.ts';
import { botsCases } from './bots.cases.ts';
import { bulkCases } from './bulk.cases.ts';
import { clicksCases } from './clicks.cases.ts';
import { countriesCases } from './countries.cases.ts';
import { codesCases } from './codes.cases.ts';
import { eventsCases } from './events.cases.ts';
import { exportCases } from './export.cases.ts';
import { isolationCases } from './isolation.cases.ts';
import { linksCases } from './links.cases.ts';
import { openapiCases } from './openapi.cases.ts';
import { listingCases } from './listing.cases.ts';
import { operationsCases } from './operations.cases.ts';
import { passwordCases } from './password.cases.ts';
import { qrCases } from './qr.cases.ts';
import { redirectsCases } from './redirects.cases.ts';
import { sessionCases } from './session.cases.ts';
import { smokeCases } from './smoke.cases.ts';
import { targetingCases } from './targeting.cases.ts';
import { shutdownCases } from './shutdown.cases.ts';
import { validationCases } from './validation.cases.ts';
import { webhooksCases } from './webhooks.cases.ts';
import { fuzzCases } from './fuzz.cases.ts';
import { guardsCases } from './guards.cases.ts';
import { hostileCases } from './hostile.cases.ts';

/** The whole public contract against one mode and database; every entry file calls this once. */
export function defineContractSuite(label: string, opts: TargetOptions): void {
  describe(label, () => {
    const suite = createSuite(opts);
    before(() => suite.start(), { timeout: 60_000 });
    after(() => suite.dispose(), { timeout: 30_000 });

    smokeCases(suite);
    operationsCases(suite);
    authCases(suite);
    sessionCases(suite);
    linksCases(suite);
    codesCases(suite);
    bulkCases(suite);
    validationCases(suite);
    hostileCases(suite);
    guardsCases(suite);
    fuzzCases(suite);
    listingCases(suite);
    isolationCases(suite);
    qrCases(suite);
    redirectsCases(suite);
    passwordCases(suite);
    clicksCases(suite);
    countriesCases(suite);
    botsCases(suite);
    targetingCases(suite);
    exportCases(suite);
    eventsCases(suite);
    webhooksCases(suite);
    // Last: it stops and restarts the target under every other case.
    shutdownCases(suite);
    // After all the others: it checks the statuses they saw against /openapi.json.
    openapiCases(suite);
  });
}

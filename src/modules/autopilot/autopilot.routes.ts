import type { App } from '../../common/http/app.ts';
import type { Authenticate } from '../../common/http/principal.ts';
import type { Autopilot } from './autopilot.service.ts';

/**
 * GET /api/autopilot: current signals, rules, last 100 decisions (newest first), for admins:
 * `guard` is given by the process (the fleet token or an admin's API key).
 */
export function autopilotRoutes(app: App, autopilot: Pick<Autopilot, 'snapshot'>, guard: Authenticate): void {
  void app.register(async (scope) => {
    scope.addHook('onRequest', guard);
    scope.get('/api/autopilot', async () => autopilot.snapshot());
  });
}

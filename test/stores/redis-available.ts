import { describe, inject, it } from 'vitest';

/**
 * Runs `body` when the test setup started a redis-server. Otherwise: under CI a failing test (Redis must be
 * there), elsewhere a loud warning and the suite is skipped.
 */
export function describeWithRedis(name: string, body: (url: string) => void): void {
  const url = inject('redisUrl');
  if (url) {
    describe(name, () => body(url));
    return;
  }
  const reason = inject('redisError') ?? 'unknown reason';
  if (process.env.CI) {
    describe(name, () => {
      it('needs a running redis-server (CI is set, so this fails instead of skipping)', () => {
        throw new Error(`redis-server could not be started: ${reason}. Install it (apt-get install redis-server).`);
      });
    });
    return;
  }
  console.warn(`\n!!! ${name}: SKIPPED, redis-server could not be started (${reason}). Install it to run these tests.\n`);
  describe.skip(name, () => body('redis://unavailable'));
}

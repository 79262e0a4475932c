/**
 * The default TTL clock: performance.now(), but read at most once per 64 calls and then reused until a 1 ms
 * timer (unref'd) lets it be read again, like lru-cache's ttlResolution. Reading the clock costs about as much
 * as a whole get; this way an expiry is seen at most 1 ms (or 64 operations) late.
 */
export function coarseClock(): () => number {
  let cached = 0;
  let reuse = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expire = () => {
    reuse = 0;
    timer = undefined;
  };
  return () => {
    if (reuse > 0) {
      reuse--;
      return cached;
    }
    cached = performance.now();
    reuse = 64;
    if (timer === undefined) {
      timer = setTimeout(expire, 1);
      timer.unref();
    }
    return cached;
  };
}

/**
 * What `fn` threw, as an `ErrorClass` (`ConfigError`, `ScenarioError`, ...), so a test can assert its
 * typed fields; fails the test when `fn` throws anything else or nothing.
 */
export function thrownBy<E extends Error>(ErrorClass: abstract new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof ErrorClass) return error;
    throw error;
  }
  throw new Error(`expected a ${ErrorClass.name}`);
}

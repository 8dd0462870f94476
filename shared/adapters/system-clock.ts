import type { Clock } from "../ports";

/** The wall clock of a deployed function. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

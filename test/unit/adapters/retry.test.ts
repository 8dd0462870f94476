import { BASE_BACKOFF_MS, MAX_ATTEMPTS, MAX_BACKOFF_MS, withRetry } from "../../../shared/adapters/retry";
import { SentinelError, ServiceCallError } from "../../../shared/errors";
import { TestClock } from "../../support/clock";

/** An error shaped like an AWS SDK v3 service exception. */
function awsError(name: string, httpStatusCode: number, message = `${name} message`): Error {
  return Object.assign(new Error(message), { name, $fault: httpStatusCode >= 500 ? "server" : "client", $metadata: { httpStatusCode } });
}

/** An error shaped like a Node socket failure (`name` is plain `Error`, the reason is in `code`). */
function networkError(code: string): Error {
  return Object.assign(new Error(`socket failure ${code}`), { code });
}

/** A call that fails with `error` every time, counting its calls. */
function alwaysFailing(error: unknown): { fn: () => Promise<never>; calls: () => number } {
  let calls = 0;
  return {
    fn: async () => {
      calls++;
      throw error;
    },
    calls: () => calls,
  };
}

/** Upper bound of the wait before retry number `retry` (0-based). */
function capFor(retry: number): number {
  return Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** retry);
}

describe("withRetry", () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it("returns the first result without waiting when the call succeeds", async () => {
    // Prepare
    const clock = new TestClock();
    let calls = 0;

    // Act
    const result = await withRetry("cloudwatch:GetMetricData", clock, async () => {
      calls++;
      return "ok";
    });

    // Assess
    expect(result).toBe("ok");
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("returns the result of a later attempt after retryable failures", async () => {
    // Prepare
    const clock = new TestClock();
    const failures = [awsError("ThrottlingException", 400), awsError("ServiceUnavailable", 503)];
    let calls = 0;

    // Act
    const result = await withRetry("mq:ListBrokers", clock, async () => {
      calls++;
      const failure = failures.shift();
      if (failure) throw failure;
      return 42;
    });

    // Assess
    expect(result).toBe(42);
    expect(calls).toBe(3);
    expect(clock.sleeps).toHaveLength(2);
  });

  // Throttling, server faults and dropped connections are worth more attempts; a refusal, a bad request
  // or a bug of ours is not: another attempt would only delay the same error.
  it.each<[string, Error, number]>([
    ["ThrottlingException", awsError("ThrottlingException", 400), MAX_ATTEMPTS],
    ["Throttling (query protocol spelling)", awsError("Throttling", 400), MAX_ATTEMPTS],
    ["TooManyRequestsException", awsError("TooManyRequestsException", 429), MAX_ATTEMPTS],
    ["an unnamed 429", awsError("SomethingOdd", 429), MAX_ATTEMPTS],
    ["an unnamed 500", awsError("SomethingOdd", 500), MAX_ATTEMPTS],
    ["an unnamed 503", awsError("SomethingOdd", 503), MAX_ATTEMPTS],
    ["InternalServerErrorException", awsError("InternalServerErrorException", 500), MAX_ATTEMPTS],
    ["ECONNRESET", networkError("ECONNRESET"), MAX_ATTEMPTS],
    ["ECONNREFUSED", networkError("ECONNREFUSED"), MAX_ATTEMPTS],
    ["ETIMEDOUT", networkError("ETIMEDOUT"), MAX_ATTEMPTS],
    ["EPIPE", networkError("EPIPE"), MAX_ATTEMPTS],
    ["TimeoutError", Object.assign(new Error("timed out"), { name: "TimeoutError" }), MAX_ATTEMPTS],
    ["AccessDeniedException", awsError("AccessDeniedException", 403), 1],
    ["ValidationError", awsError("ValidationError", 400), 1],
    ["ValidationException", awsError("ValidationException", 400), 1],
    ["BadRequestException", awsError("BadRequestException", 400), 1],
    ["NotFoundException", awsError("NotFoundException", 404), 1],
    ["ConditionalCheckFailedException", awsError("ConditionalCheckFailedException", 400), 1],
    ["a plain Error", new Error("bug"), 1],
  ])("gives up on %s after %d attempt(s)", async (_label, error, attempts) => {
    // Prepare
    const clock = new TestClock();
    const call = alwaysFailing(error);

    // Act
    const outcome = withRetry("cloudwatch:GetMetricData", clock, call.fn);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ServiceCallError);
    expect(call.calls()).toBe(attempts);
    expect(clock.sleeps).toHaveLength(attempts - 1);
  });

  it("waits longer before each retry when the jitter is the same", async () => {
    // Prepare: pin the jitter so the growth of the bound is visible in the waits.
    jest.spyOn(Math, "random").mockReturnValue(0.5);
    const clock = new TestClock();

    // Act
    await withRetry("cloudwatch:GetMetricData", clock, alwaysFailing(awsError("ThrottlingException", 400)).fn).catch(() => undefined);

    // Assess
    expect(clock.sleeps).toEqual(Array.from({ length: MAX_ATTEMPTS - 1 }, (_, retry) => 0.5 * capFor(retry)));
    for (let i = 1; i < clock.sleeps.length; i++) expect(clock.sleeps[i]).toBeGreaterThan(clock.sleeps[i - 1] as number);
  });

  it("keeps every wait below its doubling cap and under MAX_BACKOFF_MS", async () => {
    // Prepare
    const runs = 200;
    const waitsByRetry: number[][] = Array.from({ length: MAX_ATTEMPTS - 1 }, () => []);

    // Act
    for (let run = 0; run < runs; run++) {
      const clock = new TestClock();
      await withRetry("dynamodb:PutItem", clock, alwaysFailing(networkError("ECONNRESET")).fn).catch(() => undefined);
      clock.sleeps.forEach((ms, retry) => {
        waitsByRetry[retry]?.push(ms);
      });
    }

    // Assess
    waitsByRetry.forEach((waits, retry) => {
      expect(waits).toHaveLength(runs);
      for (const ms of waits) {
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThan(capFor(retry));
        expect(ms).toBeLessThanOrEqual(MAX_BACKOFF_MS);
      }
    });
    const total = waitsByRetry.map((w) => Math.max(...w)).reduce((a, b) => a + b, 0);
    expect(total).toBeLessThan(Array.from({ length: MAX_ATTEMPTS - 1 }, (_, r) => capFor(r)).reduce((a, b) => a + b, 0));
  });

  it("jitters the waits instead of sleeping a fixed time", async () => {
    // Prepare
    const firstWaits = new Set<number>();

    // Act
    for (let run = 0; run < 20; run++) {
      const clock = new TestClock();
      await withRetry("mq:ListBrokers", clock, alwaysFailing(awsError("ThrottlingException", 400)).fn).catch(() => undefined);
      firstWaits.add(clock.sleeps[0] as number);
    }

    // Assess
    expect(firstWaits.size).toBeGreaterThan(1);
  });

  it("never waits more than MAX_BACKOFF_MS however many attempts are allowed", async () => {
    // Prepare
    jest.spyOn(Math, "random").mockReturnValue(0.999_999);
    const clock = new TestClock();
    const call = alwaysFailing(awsError("ThrottlingException", 400));

    // Act
    await withRetry("cloudwatch:ListMetrics", clock, call.fn, { attempts: 12 }).catch(() => undefined);

    // Assess
    expect(call.calls()).toBe(12);
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(MAX_BACKOFF_MS);
    expect(clock.sleeps.at(-1)).toBeCloseTo(0.999_999 * MAX_BACKOFF_MS);
  });

  it("stops after the number of attempts the caller asks for", async () => {
    // Prepare
    const clock = new TestClock();
    const call = alwaysFailing(awsError("ThrottlingException", 400));

    // Act
    const outcome = withRetry("mq:DescribeBroker", clock, call.fn, { attempts: 2 });

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ServiceCallError);
    expect(call.calls()).toBe(2);
    expect(clock.sleeps).toHaveLength(1);
  });

  it("wraps the last error in a ServiceCallError that names the operation", async () => {
    // Prepare
    const clock = new TestClock();
    const last = awsError("ThrottlingException", 400, "Rate exceeded");
    const errors = [awsError("ServiceUnavailable", 503), awsError("InternalFailure", 500), awsError("ThrottlingException", 400), last];
    const fn = async () => {
      throw errors.shift();
    };

    // Act
    const error = await withRetry("cloudwatch:GetMetricData", clock, fn).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ServiceCallError);
    expect(error).toBeInstanceOf(SentinelError);
    const wrapped = error as ServiceCallError;
    expect(wrapped.name).toBe("ServiceCallError");
    expect(wrapped.operation).toBe("cloudwatch:GetMetricData");
    expect(wrapped.errorName).toBe("ThrottlingException");
    expect(wrapped.retryable).toBe(true);
    expect(wrapped.cause).toBe(last);
    expect(wrapped.message).toBe("cloudwatch:GetMetricData failed: ThrottlingException (Rate exceeded)");
  });

  it("marks a non-retryable failure as such and carries the broker id", async () => {
    // Prepare
    const clock = new TestClock();
    const denied = awsError("AccessDeniedException", 403, "not authorized to perform mq:DescribeBroker");

    // Act
    const error = await withRetry("mq:DescribeBroker", clock, alwaysFailing(denied).fn, { brokerId: "b-1234" }).catch((e: unknown) => e);

    // Assess
    const wrapped = error as ServiceCallError;
    expect(wrapped).toBeInstanceOf(ServiceCallError);
    expect(wrapped.operation).toBe("mq:DescribeBroker");
    expect(wrapped.errorName).toBe("AccessDeniedException");
    expect(wrapped.retryable).toBe(false);
    expect(wrapped.brokerId).toBe("b-1234");
    expect(wrapped.message).toContain("mq:DescribeBroker failed: AccessDeniedException");
  });

  it("names a network failure by its code", async () => {
    // Prepare
    const clock = new TestClock();

    // Act
    const error = await withRetry("dynamodb:Query", clock, alwaysFailing(networkError("ECONNRESET")).fn).catch((e: unknown) => e);

    // Assess
    expect((error as ServiceCallError).errorName).toBe("ECONNRESET");
    expect((error as ServiceCallError).brokerId).toBeUndefined();
  });
});

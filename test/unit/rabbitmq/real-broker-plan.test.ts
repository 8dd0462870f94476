import { isCi, realBrokerPlan } from "../../rabbitmq/local-rabbitmq";

describe("realBrokerPlan", () => {
  it.each([
    [true, false, { run: true }],
    [true, true, { run: true }],
    [false, false, { run: false, fail: false, message: expect.stringMatching(/rabbitmq-server is not installed .*Skipped locally\.$/) }],
    [
      false,
      true,
      { run: false, fail: true, message: expect.stringMatching(/rabbitmq-server is not installed .*CI must run them, so this fails\.$/) },
    ],
  ])("with rabbitmq-server installed %s and CI %s: %j", (installed, ci, plan) => {
    // Act + Assess
    expect(realBrokerPlan(installed, ci)).toEqual(plan);
  });

  it.each([
    ["true", true],
    ["1", true],
    ["false", false],
    [undefined, false],
  ])("reads CI=%s as %s", (value, ci) => {
    // Act + Assess
    expect(isCi(value === undefined ? {} : { CI: value })).toBe(ci);
  });
});

import { SNSClient } from "@aws-sdk/client-sns";
import { deliveryTimeLeft } from "../../../functions/runtime";
import { sdkSettings } from "../../../shared/build-deps";

describe("sdkSettings", () => {
  it("gives every SDK client one attempt and its own connection and request timeouts", async () => {
    // Prepare
    const client = new SNSClient({ ...sdkSettings("eu-west-1"), credentials: { accessKeyId: "x", secretAccessKey: "y" } });
    // Act
    const handler = client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
    const config = await handler.configProvider;
    // Assess
    expect(await client.config.maxAttempts()).toBe(1);
    expect(config).toEqual(expect.objectContaining({ connectionTimeout: 2_000, requestTimeout: 10_000 }));
    client.destroy();
  });
});

describe("deliveryTimeLeft", () => {
  it("keeps a margin back from the Lambda's remaining time", () => {
    // Prepare
    let remaining = 40_000;
    const timeLeft = deliveryTimeLeft({ getRemainingTimeInMillis: () => remaining });
    // Act
    const before = timeLeft();
    remaining = 2_000;
    // Assess
    expect(before).toBe(37_000);
    expect(timeLeft()).toBeLessThan(0);
  });
});

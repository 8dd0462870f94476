import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { MINUTE_MS } from "../core/types";
import type { Clock, SecretSource } from "../ports";
import { withRetry } from "./retry";

/** A secret is read again after this long, so a rotated webhook URL is picked up. */
const CACHE_MS = 5 * MINUTE_MS;

/** A secret value cached in memory for a few minutes. */
abstract class CachedSecret implements SecretSource {
  private value: string | null = null;
  private readAt = 0;

  constructor(protected readonly clock: Clock) {}

  async get(): Promise<string> {
    if (this.value !== null && this.clock.now() - this.readAt < CACHE_MS) return this.value;
    const value = (await this.read()).trim();
    if (!value) throw new Error("the secret is empty");
    this.value = value;
    this.readAt = this.clock.now();
    return value;
  }

  protected abstract read(): Promise<string>;
}

/** A SecureString SSM parameter (decrypted). */
export class SsmParameterSecret extends CachedSecret {
  constructor(
    private readonly client: SSMClient,
    private readonly name: string,
    clock: Clock,
  ) {
    super(clock);
  }

  protected async read(): Promise<string> {
    const out = await withRetry("ssm:GetParameter", this.clock, () =>
      this.client.send(new GetParameterCommand({ Name: this.name, WithDecryption: true })),
    );
    return out.Parameter?.Value ?? "";
  }
}

/**
 * A Secrets Manager secret: the string itself, or a field of a JSON secret (the first of `fields` it
 * has: `webhookUrl` or `url` for the webhook, `botToken` for the Slack app's token, `signingSecret`).
 */
export class SecretsManagerSecret extends CachedSecret {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    clock: Clock,
    private readonly fields: readonly string[] = ["webhookUrl", "url"],
  ) {
    super(clock);
  }

  protected async read(): Promise<string> {
    const out = await withRetry("secretsmanager:GetSecretValue", this.clock, () =>
      this.client.send(new GetSecretValueCommand({ SecretId: this.secretId })),
    );
    const text = out.SecretString ?? "";
    if (text.trim().startsWith("{")) {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const field = this.fields.find((f) => typeof parsed[f] === "string");
      return field === undefined ? "" : String(parsed[field]);
    }
    return text;
  }
}

/** The secret kept at `location`: a Secrets Manager ARN, else an SSM SecureString parameter name. */
export function secretAt(
  location: string,
  clients: { ssm: () => SSMClient; secretsManager: () => SecretsManagerClient },
  clock: Clock,
  fields?: readonly string[],
): SecretSource {
  return /^arn:aws[a-z-]*:secretsmanager:/.test(location)
    ? new SecretsManagerSecret(clients.secretsManager(), location, clock, fields)
    : new SsmParameterSecret(clients.ssm(), location, clock);
}

import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { MINUTE_MS } from "../core/types";
import { SentinelError } from "../errors";
import type { BrokerCredentials, Clock } from "../ports";
import { withRetry } from "./retry";

/** Credentials are read again after this long, so a rotated password is picked up. */
const CACHE_MS = 5 * MINUTE_MS;

/**
 * `BrokerCredentials` kept in Secrets Manager as JSON `{"username": "...", "password": "..."}` (the
 * shape Secrets Manager's own "other type of secret" form and its rotation templates use). Cached a
 * few minutes per secret; a failed read is not cached. Neither the value nor any part of it is ever
 * logged or put in an error message.
 */
export class SecretsManagerBrokerCredentials implements BrokerCredentials {
  private readonly cache = new Map<string, { value: { username: string; password: string }; readAt: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly clock: Clock,
  ) {}

  async get(secretId: string): Promise<{ username: string; password: string }> {
    const cached = this.cache.get(secretId);
    if (cached && this.clock.now() - cached.readAt < CACHE_MS) return cached.value;
    const out = await withRetry("secretsmanager:GetSecretValue", this.clock, () =>
      this.client.send(new GetSecretValueCommand({ SecretId: secretId })),
    );
    const value = credentialsOf(out.SecretString);
    if (!value) throw new SentinelError(`secret ${secretId} is not JSON with a non-empty "username" and "password"`);
    this.cache.set(secretId, { value, readAt: this.clock.now() });
    return value;
  }
}

function credentialsOf(text: string | undefined): { username: string; password: string } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? "");
  } catch {
    return null;
  }
  const { username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown };
  return typeof username === "string" && username && typeof password === "string" && password ? { username, password } : null;
}

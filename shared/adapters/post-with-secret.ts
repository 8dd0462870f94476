import { describeError } from "../errors";
import type { SecretSource } from "../ports";
import { type DeliveryFailure, thrownFailure } from "./delivery-failure";

/** How a destination whose URL or key is a secret is posted to. */
export interface SecretDestination {
  /** What the secret is, for the error when it cannot be read ("Slack webhook URL"). */
  secretName: string;
  /** What stands for the secret in any text kept ("[webhook]"): it is never logged. */
  mask: string;
  contentType: string;
}

/** Where the secret comes from and how the request is made. */
export interface SecretTransport {
  secret: SecretSource;
  fetchFn: typeof fetch;
  /** How long the request may take: a destination that never answers must not hold the invocation. */
  timeoutMs: number;
}

/**
 * Reads the secret (at run time) and posts once: the response, with `hide` to cut the secret out of
 * any text kept, or the failure when the secret cannot be read (retryable) or the request throws
 * (classified by `thrownFailure`). `message` is the rendered message, kept with a failure.
 */
export async function postWithSecret(
  destination: SecretDestination,
  transport: SecretTransport,
  request: (secret: string) => { url: string; body: string },
  message: unknown,
): Promise<{ response: Response; hide: (text: string) => string } | { failure: DeliveryFailure }> {
  let secret: string;
  try {
    secret = await transport.secret.get();
  } catch (error) {
    return {
      failure: { ok: false, retryable: true, error: `${destination.secretName} unavailable: ${describeError(error)}`, body: message },
    };
  }
  const hide = (text: string) => (secret ? text.split(secret).join(destination.mask) : text);
  try {
    const { url, body } = request(secret);
    const response = await transport.fetchFn(url, {
      method: "POST",
      headers: { "content-type": destination.contentType },
      body,
      signal: AbortSignal.timeout(transport.timeoutMs),
    });
    return { response, hide };
  } catch (error) {
    return { failure: thrownFailure(error, message, hide) };
  }
}

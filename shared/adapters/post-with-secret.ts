import { describeError } from "../errors";
import type { SecretSource } from "../ports";
import { type DeliveryFailure, thrownFailure } from "./delivery-failure";

/** One POST to a destination whose URL or key is a secret, read at run time. */
export interface SecretPost {
  /** The secret: a webhook URL, or a key that goes in the body. */
  secret: SecretSource;
  /** What the secret is, for the error when it cannot be read ("Slack webhook URL"). */
  secretName: string;
  /** What stands for the secret in any text kept ("[webhook]"): it is never logged. */
  mask: string;
  /** The request, given the secret. */
  request: (secret: string) => { url: string; contentType: string; body: string };
  fetchFn: typeof fetch;
  /** How long the request may take: a destination that never answers must not hold the invocation. */
  timeoutMs: number;
  /** The rendered message, kept with a failure. */
  message: unknown;
}

/**
 * Reads the secret and posts once: the response, with `hide` to cut the secret out of any text kept,
 * or the failure when the secret cannot be read (retryable) or the request throws (classified).
 */
export async function postWithSecret(
  post: SecretPost,
): Promise<{ response: Response; hide: (text: string) => string } | { failure: DeliveryFailure }> {
  let secret: string;
  try {
    secret = await post.secret.get();
  } catch (error) {
    return {
      failure: { ok: false, retryable: true, error: `${post.secretName} unavailable: ${describeError(error)}`, body: post.message },
    };
  }
  const hide = (text: string) => (secret ? text.split(secret).join(post.mask) : text);
  try {
    const { url, contentType, body } = post.request(secret);
    const response = await post.fetchFn(url, {
      method: "POST",
      headers: { "content-type": contentType },
      body,
      signal: AbortSignal.timeout(post.timeoutMs),
    });
    return { response, hide };
  } catch (error) {
    return { failure: thrownFailure(error, post.message, hide) };
  }
}

/** What every AWS SDK v3 service exception class takes. */
interface ServiceExceptionOptions {
  name: string;
  $fault: "client" | "server";
  $metadata: { httpStatusCode: number };
  message: string;
}

/**
 * A service exception of `Exception` (`MqServiceException`, `CloudWatchServiceException`, ...) as the
 * SDK throws it: its AWS error name, HTTP status, and a client or server fault by that status.
 */
export function serviceError<E>(
  Exception: new (options: ServiceExceptionOptions) => E,
  name: string,
  httpStatusCode: number,
  message = name,
): E {
  return new Exception({ name, $fault: httpStatusCode >= 500 ? "server" : "client", $metadata: { httpStatusCode }, message });
}

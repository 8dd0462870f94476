import { main, UsageError } from "./main";

// The AWS SDK warns once per process that it will need Node 22 from 2027; the Lambda runtime is
// Node 22 already, and on a developer's Node 20 the warning only clutters the command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`mq-sentinel: ${error.message} (see mq-sentinel help)`);
      process.exitCode = 2;
      return;
    }
    console.error(`mq-sentinel: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);

/** What a CLI command printed, line by line, and its exit code. */
export interface CommandRun {
  code: number;
  out: string[];
  err: string[];
}

/** Runs a CLI command (given its output and error writers) with every line it prints captured. */
export async function runCommand(
  command: (out: (line: string) => void, err: (line: string) => void) => Promise<number>,
): Promise<CommandRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command(
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out, err };
}

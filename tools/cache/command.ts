// Runs a command to completion, keeping a tail of its output so a failure can be reported precisely.
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";

/** A failed command: what ran, where, and the last lines it printed. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly tail: string,
  ) {
    super(`command failed (exit ${code}): ${command}\n${tail}`);
  }
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** File that receives the full output (appended). */
  readonly log?: string;
  /** Lines of output kept for the error message. Default 30. */
  readonly tailLines?: number;
  /** Written to stdin (closed afterwards); stdin is empty otherwise. */
  readonly input?: string;
}

/** Quotes an argv for display so it can be pasted into a shell. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** Runs argv; resolves with stdout, rejects with CommandError carrying the output tail. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error("run: empty command");
  const line = shellLine(argv);
  if (options.log) appendFileSync(options.log, `\n$ ${line}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.on("error", () => undefined); // the child may exit before reading its input
    child.stdin.end(options.input ?? "");
    let stdout = "";
    let combined = "";
    const keep = (chunk: Buffer, isOut: boolean) => {
      const text = chunk.toString();
      if (isOut) stdout += text;
      combined = (combined + text).slice(-20_000);
      if (options.log) appendFileSync(options.log, text);
    };
    child.stdout.on("data", (c: Buffer) => keep(c, true));
    child.stderr.on("data", (c: Buffer) => keep(c, false));
    child.on("error", (err) => reject(new CommandError(line, null, err.message)));
    child.on("close", (code) => {
      if (code === 0) return resolve(stdout);
      const tail = combined
        .trimEnd()
        .split("\n")
        .slice(-(options.tailLines ?? 30))
        .join("\n");
      reject(new CommandError(line, code, tail));
    });
  });
}

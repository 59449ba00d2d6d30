// Long-running component processes: each in its own process group with its own log file, so a stop
// (or `sim --down` from another shell) ends the component and anything it forked.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { shellLine } from "../cache/command.js";

/** A started component, as recorded in the state file. */
export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly command: string;
  readonly log: string;
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Starts argv detached with stdout+stderr in logs/<name>.log. */
export function startProc(logDir: string, name: string, argv: readonly string[], options: StartOptions = {}): Proc {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error(`${name}: empty command`);
  const log = join(logDir, `${name}.log`);
  const fd = openSync(log, "a");
  const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  child.unref();
  return { name, pid: child.pid, command: shellLine(argv), log };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Last lines of a component's log, for error messages. */
export function logTail(proc: Proc, lines = 25): string {
  try {
    return readFileSync(proc.log, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // group already gone
  }
}

/** SIGTERM to the group, SIGKILL after `graceMs`. */
export async function stopProc(proc: Proc, graceMs = 10_000): Promise<void> {
  signal(proc.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(proc.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  signal(proc.pid, "SIGKILL");
}

/** Synchronous last resort for process 'exit' handlers. */
export function killNow(proc: Proc): void {
  signal(proc.pid, "SIGKILL");
}

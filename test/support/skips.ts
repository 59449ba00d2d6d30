// A vitest reporter: at the end of a run, one line per test file that skipped tests because a tool is
// missing (with the install hint), then the count. requireTool (tools.ts) records them in a file
// whose path this reporter hands to the workers through the environment.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Reporter } from "vitest/reporters";

/** Where skipped suites are recorded during a vitest run; this reporter sets it, requireTool appends. */
export const skipLogVar = "STACKWAVE_SKIP_LOG";

/** One skipped suite: the test file, the missing tool, and how to get it. */
export interface Skip {
  readonly file: string;
  readonly tool: string;
  readonly hint: string;
}

/** The distinct skips in a log, sorted by file then tool. */
export function readSkips(text: string): Skip[] {
  const seen = new Map<string, Skip>();
  for (const line of text.split("\n").filter(Boolean)) {
    const skip = JSON.parse(line) as Skip;
    seen.set(`${skip.file}\0${skip.tool}`, skip);
  }
  return [...seen.values()].sort((a, b) => a.file.localeCompare(b.file) || a.tool.localeCompare(b.tool));
}

/** The lines printed at the end of a run. */
export function skipSummary(skips: readonly Skip[]): string[] {
  if (skips.length === 0) return ["missing tools: none, no suite skipped"];
  const files = new Set(skips.map((s) => s.file)).size;
  return [
    ...skips.map((s) => `skipped: ${s.file}: missing ${s.tool} (${s.hint})`),
    `missing tools: ${skips.length} suite(s) skipped in ${files} test file(s); under CI=true each fails the run`,
  ];
}

export default class SkipsReporter implements Reporter {
  private dir: string | undefined;

  onInit(): void {
    this.dir = mkdtempSync(join(tmpdir(), "stackwave-skips-"));
    process.env[skipLogVar] = join(this.dir, "skips.jsonl");
  }

  onFinished(): void {
    if (!this.dir) return;
    let text = "";
    try {
      text = readFileSync(join(this.dir, "skips.jsonl"), "utf8");
    } catch {
      // nothing was skipped: the file was never written
    }
    rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    console.log(`\n${skipSummary(readSkips(text)).join("\n")}`);
  }
}

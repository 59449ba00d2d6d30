// npm run generate as a user runs it: --help, usage errors and --print-config into a file.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig } from "../../generators/stack.js";

const scratch = mkdtempSync(join(tmpdir(), "stackwave-generate-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without a terminal; async, so vitest's worker stays responsive while it runs. */
function run(program: string, args: readonly string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(program, [...args], { cwd: repoRoot, encoding: "utf8" }, (error, stdout, stderr) =>
      resolve({ status: error ? (child.exitCode ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `npm run generate -- args`, as the README writes it. */
const generate = (...args: string[]) => run("npm", ["run", "generate", "--", ...args]);
/** The same program without npm in front, where npm's banner does not matter. */
const direct = (...args: string[]) => run(process.execPath, ["--import", "tsx", "generators/main.ts", ...args]);
const stackTrace = /^\s+at .+[(:]\d+|ERR_PARSE_ARGS|node:internal/m;

describe("GIVEN npm run generate", () => {
  it("WHEN --help is given THEN it prints every flag and exits 0", async () => {
    const result = await direct("--help");
    expect(result.status, result.stderr).toBe(0);
    for (const flag of ["--config", "--print-config", "--out", "--only", "--help"]) expect(result.stdout).toContain(flag);
  });

  it.each([
    [["--bogus"], "usage error: Unknown option '--bogus'"],
    [["--only"], "usage error: Option '--only <value>' argument missing"],
    [["--only", "nope"], "usage error: --only expects layers from crds, operator, platform, monitors, apps, got nope"],
    [["stray"], 'usage error: unexpected argument "stray"'],
  ])("WHEN it is called with %j THEN it exits 2 with one line, then the usage, and no stack trace", async (args, message) => {
    const result = await direct(...args);
    expect(result.status).toBe(2);
    const [first, blank, usage] = result.stderr.split("\n");
    expect(first).toContain(message);
    expect(blank).toBe("");
    expect(usage).toMatch(/^usage: npm run generate/);
    expect(result.stderr).not.toMatch(stackTrace);
  });

  it("WHEN --print-config names a file THEN the file holds just the config, ready for --config", async () => {
    const file = join(scratch, "my.json");
    const result = await generate("--print-config", file);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(JSON.parse(JSON.stringify(defaultConfig())));
    const out = join(scratch, "out");
    const again = await direct("--config", file, "--out", out);
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(out, "base/operator/kustomization.yaml"), "utf8")).toBe(
      readFileSync(join(repoRoot, "base/operator/kustomization.yaml"), "utf8"),
    );
  });

  it("WHEN npm run -s prints the config to stdout THEN stdout is only the JSON (no npm banner)", async () => {
    const result = await run("npm", ["run", "-s", "generate", "--", "--print-config"]);
    expect(result.status, result.stderr).toBe(0);
    expect(() => JSON.parse(result.stdout)).not.toThrow();
  });
});

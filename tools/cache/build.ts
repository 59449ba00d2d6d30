// Builds the simulated cluster's pinned tools from Go modules into the cache, one folder per version.
// Usage: npx tsx tools/cache/build.ts [tool ...]   (default: all; --list shows them)
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binDir, toolDir } from "./dirs.js";
import { recipes, type Recipe } from "./recipes.js";
import { CommandError, run } from "./command.js";

/** Written next to the binaries after a successful build; read by test/bench/sim.ts. */
export interface BuildRecord {
  readonly tool: string;
  readonly version: string;
  readonly seconds: number;
  readonly finishedAt: string;
}

const elapsed = (start: number) => {
  const s = Math.round((Date.now() - start) / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
};

function link(binary: string, target: string): void {
  const path = join(binDir, binary);
  try {
    if (lstatSync(path)) unlinkSync(path);
  } catch {
    // nothing there yet
  }
  symlinkSync(target, path);
}

/** Builds one recipe unless its binaries exist; always refreshes the links in bin/. */
async function ensure(recipe: Recipe): Promise<"cached" | "built"> {
  const dir = toolDir(recipe.name, recipe.version);
  const bin = join(dir, "bin");
  const targets = recipe.binaries.map((b) => join(bin, b));
  let outcome: "cached" | "built" = "cached";
  if (!targets.every((t) => existsSync(t))) {
    outcome = "built";
    mkdirSync(dir, { recursive: true });
    const release = lock(join(dir, "build.lock"), recipe.name);
    try {
      await build(recipe, dir, bin, targets);
    } finally {
      release();
    }
  }
  mkdirSync(binDir, { recursive: true });
  for (const [i, b] of recipe.binaries.entries()) link(b, targets[i]!);
  return outcome;
}

/** Holds `file` for this process; a lock left by a dead process is taken over. Returns the release function. */
function lock(file: string, tool: string): () => void {
  try {
    writeFileSync(file, String(process.pid), { flag: "wx" });
  } catch {
    const holder = Number(readFileSync(file, "utf8"));
    if (holder && holder !== process.pid && alive(holder)) {
      throw new Error(`another sim-tools run (pid ${holder}) is building ${tool}; wait for it to finish`);
    }
    writeFileSync(file, String(process.pid));
  }
  return () => rmSync(file, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Writes the wrapper module and runs the recipe; records the build time in build.json. */
async function build(recipe: Recipe, dir: string, bin: string, targets: readonly string[]): Promise<void> {
  const src = join(dir, "src");
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  mkdirSync(bin, { recursive: true });
  const log = join(dir, "build.log");
  writeFileSync(log, `# ${recipe.name} ${recipe.version} ${new Date().toISOString()}\n`);
  const env = {
    ...process.env,
    CGO_ENABLED: "0",
    GOBIN: bin,
    // The installed Go is newer than every pinned module needs; never fetch another toolchain.
    GOTOOLCHAIN: "local",
    GOFLAGS: "-buildvcs=false -mod=mod",
  };
  const start = Date.now();
  await recipe.build({
    src,
    bin,
    go: (args) => run(["nice", "-n", "10", "go", ...args], { cwd: src, env, log }),
  });
  const missing = targets.filter((t) => !existsSync(t));
  if (missing.length) throw new Error(`build finished but did not produce: ${missing.join(", ")}`);
  const record: BuildRecord = {
    tool: recipe.name,
    version: recipe.version,
    seconds: Math.round((Date.now() - start) / 1000),
    finishedAt: new Date().toISOString(),
  };
  writeFileSync(join(dir, "build.json"), JSON.stringify(record, null, 2) + "\n");
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes("--list")) {
    for (const r of recipes) console.log(`${r.name}\t${r.version}\t${r.binaries.join(",")}\t${toolDir(r.name, r.version)}`);
    return 0;
  }
  const unknown = args.filter((a) => !recipes.some((r) => r.name === a));
  if (unknown.length) {
    console.error(`unknown tool(s): ${unknown.join(", ")}; expected one of: ${recipes.map((r) => r.name).join(", ")}`);
    return 2;
  }
  const chosen = args.length ? recipes.filter((r) => args.includes(r.name)) : recipes;
  const failures: string[] = [];
  const all = Date.now();
  for (const recipe of chosen) {
    const label = `${recipe.name} ${recipe.version}`;
    const start = Date.now();
    console.log(`[sim-tools] ${label}: checking ${toolDir(recipe.name, recipe.version)}`);
    try {
      const outcome = await ensure(recipe);
      console.log(`[sim-tools] ${label}: ${outcome === "cached" ? "cached" : `built in ${elapsed(start)}`} -> ${binDir}`);
    } catch (err) {
      const detail =
        err instanceof CommandError
          ? `command: ${err.command}\nexit: ${err.code}\nlast output:\n${err.tail}`
          : String(err instanceof Error ? err.message : err);
      console.error(
        `[sim-tools] ${label}: FAILED after ${elapsed(start)}\n${detail}\nfull log: ${join(toolDir(recipe.name, recipe.version), "build.log")}`,
      );
      failures.push(recipe.name);
    }
  }
  console.log(`[sim-tools] done in ${elapsed(all)}; ${failures.length ? `failed: ${failures.join(", ")}` : "all tools ready"}`);
  return failures.length ? 1 : 0;
}

process.exitCode = await main();

// Type-checks a few files the way `npm run typecheck` would (the repository's tsconfig.json), reporting
// only their own errors. The pre-commit hook runs it on the staged generator files and every generator that
// imports them directly: the bundler strips types without checking them, so `resources("120", …)` would otherwise
// regenerate and commit.
//
// It runs tsgo, TypeScript's native compiler (@typescript/native-preview, pinned): checking one generator
// with tsc 5.9 reads ~490 files of declarations (the model packages) and takes 2.5 s or more; tsgo takes about
// 0.5 s, in a child process the hook runs beside the rendering. `npm run typecheck` (tsc 5.9, in npm run check
// and CI) stays the full check. Without a tsgo binary for the platform, the TypeScript API does the same job.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

/** The tsgo executable of @typescript/native-preview for this platform, if installed. */
function tsgoPath(root: string): string | undefined {
  try {
    const require = createRequire(join(root, "package.json"));
    const lib = join(require.resolve(`@typescript/native-preview-${process.platform}-${process.arch}/package.json`), "..", "lib");
    const exe = join(lib, process.platform === "win32" ? "tsgo.exe" : "tsgo");
    return existsSync(exe) ? exe : undefined;
  } catch {
    return undefined;
  }
}

/** `generators/x.ts(12,5): error TS2345: …` lines (and their indented continuations) → `path:line:col: message`. */
export function parseDiagnostics(output: string, files: ReadonlySet<string>): string[] {
  const errors: string[] = [];
  let keep = false;
  for (const line of output.split("\n")) {
    const match = /^(.+?)\((\d+),(\d+)\): error TS\d+: (.*)$/.exec(line);
    if (match) {
      keep = files.has(match[1]!);
      if (keep) errors.push(`${match[1]}:${match[2]}:${match[3]}: ${match[4]}`);
    } else if (keep && /^\s+\S/.test(line)) errors[errors.length - 1] += ` ${line.trim()}`;
  }
  return errors;
}

function withTsgo(root: string, tsgo: string, files: readonly string[], signal?: AbortSignal): Promise<string[]> {
  const dir = join(root, "node_modules", ".cache", "stackwave-typecheck");
  mkdirSync(dir, { recursive: true });
  const config = join(dir, `tsconfig-${process.pid}-${Date.now()}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(root, "tsconfig.json"),
      compilerOptions: { noEmit: true },
      include: [],
      files: files.map((f) => join(root, f)),
    }),
  );
  return new Promise((resolve, reject) => {
    // One thread: the hook renders on the other core meanwhile, and on a busy machine more threads only cost CPU.
    const child = spawn(tsgo, ["-p", config, "--pretty", "false", "--singleThreaded"], {
      cwd: root,
      // No Go garbage collection: a run this short never needs it (~70 MB either way), and it cut tsgo's CPU by
      // about 40% on this machine, on the hook's critical path.
      env: { ...process.env, GOGC: "off" },
      stdio: ["ignore", "pipe", "pipe"],
      ...(signal ? { signal } : {}),
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", (error) => {
      rmSync(config, { force: true });
      reject(error);
    });
    child.on("close", (code) => {
      rmSync(config, { force: true });
      const errors = parseDiagnostics(out, new Set(files));
      // A failure that names none of the files (a broken tsconfig.json, say) must not pass silently.
      if (code !== 0 && errors.length === 0) errors.push(`tsgo exited ${code}: ${out.trim().split("\n").slice(0, 5).join(" | ")}`);
      resolve(errors);
    });
  });
}

async function withTypeScript(root: string, files: readonly string[]): Promise<string[]> {
  const { default: ts } = await import("typescript");
  const configPath = join(root, "tsconfig.json");
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) return [ts.flattenDiagnosticMessageText(read.error.messageText, "\n")];
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, { noEmit: true }, configPath);
  const rootNames = files.map((file) => join(root, file));
  const program = ts.createProgram({ rootNames, options: parsed.options });
  return rootNames.flatMap((name) => {
    const source = program.getSourceFile(name);
    if (!source) return [`${name}: not found`];
    return ts.getPreEmitDiagnostics(program, source).map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const path = d.file ? d.file.fileName.slice(root.length + 1) : name;
      return `${path}${where ? `:${where.line + 1}:${where.character + 1}` : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
    });
  });
}

/**
 * One line per type error in `files` (repo-relative), `path:line:col: message`; empty when they check.
 * Aborting `signal` stops tsgo (the promise then rejects).
 */
export async function typeErrors(root: string, files: readonly string[], signal?: AbortSignal): Promise<string[]> {
  if (files.length === 0) return [];
  const tsgo = tsgoPath(root);
  return tsgo ? withTsgo(root, tsgo, files, signal) : withTypeScript(root, files);
}

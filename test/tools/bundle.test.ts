// tools/bundle: an entry runs from its cached bundle with its own argv and import.meta.url, the bundle is
// reused while its inputs are unchanged, and rebuilt (the old one removed) as soon as one changes.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { suiteDir } from "../support/temp.js";

const run = promisify(execFile);

describe("GIVEN a repository whose entry imports a local TypeScript module and a package", () => {
  const dir = suiteDir("bundle");
  const cache = () => join(dir(), "node_modules", ".cache", "stackwave-bundle");
  const bundles = () => readdirSync(cache()).filter((name) => name.startsWith("main-") && !name.endsWith(".json"));

  /** A copy of the bundler in a repository of its own, with only the packages the entry needs. */
  function setUp(): void {
    cpSync(join(repoRoot, "tools", "bundle"), join(dir(), "tools", "bundle"), { recursive: true });
    writeFileSync(join(dir(), "package.json"), JSON.stringify({ type: "module" }));
    mkdirSync(join(dir(), "node_modules"));
    for (const pkg of ["esbuild", "js-yaml"]) symlinkSync(join(repoRoot, "node_modules", pkg), join(dir(), "node_modules", pkg));
    mkdirSync(join(dir(), "src"));
    writeFileSync(
      join(dir(), "src", "main.ts"),
      [
        'import yaml from "js-yaml";',
        'import { greeting } from "./lib.js";',
        "const out: { argv: string[]; url: string; text: string } = {",
        "  argv: process.argv.slice(1),",
        "  url: import.meta.url,",
        "  text: yaml.dump({ greeting: greeting() }),",
        "};",
        "console.log(JSON.stringify(out));",
      ].join("\n"),
    );
  }
  beforeAll(setUp);

  const library = (word: string) => writeFileSync(join(dir(), "src", "lib.ts"), `export const greeting = (): string => "${word}";\n`);
  const manifest = () =>
    readFileSync(
      join(
        cache(),
        readdirSync(cache()).find((n) => n.startsWith("main-") && n.endsWith(".json"))!,
      ),
      "utf8",
    );

  const main = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, ["tools/bundle/run.mjs", "src/main.ts", ...args], { cwd: dir(), encoding: "utf8" });
    return JSON.parse(stdout) as { argv: string[]; url: string; text: string };
  };

  it("WHEN the entry runs THEN it sees its own path and arguments, its source's URL and the package's output", async () => {
    library("hello");
    const out = await main("--flag", "value");
    expect(out.argv).toEqual([join(dir(), "src", "main.ts"), "--flag", "value"]);
    expect(out.url).toBe(pathToFileURL(join(dir(), "src", "main.ts")).href);
    expect(out.text).toBe("greeting: hello\n");
    expect(bundles()).toHaveLength(1);
  });

  it("WHEN it runs again with nothing changed THEN the same bundle is used", async () => {
    library("again");
    expect((await main()).text).toBe("greeting: again\n");
    const before = { bundles: bundles(), manifest: manifest() };
    expect((await main()).text).toBe("greeting: again\n");
    expect({ bundles: bundles(), manifest: manifest() }).toEqual(before);
  });

  it("WHEN an imported local module changes THEN the next run uses the new code and the old bundle is gone", async () => {
    library("before");
    expect((await main()).text).toBe("greeting: before\n");
    const before = bundles();
    library("changed");
    expect((await main()).text).toBe("greeting: changed\n");
    const after = bundles();
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
  });
});

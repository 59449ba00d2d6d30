// The pre-commit hook, for real: a clone of this repository's HEAD with the hook installed the way
// `npm ci` installs it (core.hooksPath), and plain `git commit`.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { plan } from "../../tools/dev/precommit.js";

const component = "generators/components/prometheus-operator.ts";

const run = promisify(execFile);
// Async on purpose: a commit regenerates for seconds, and a blocked worker cannot talk to vitest.
const git = async (dir: string, ...args: string[]) => (await run("git", args, { cwd: dir, encoding: "utf8" })).stdout;

/** `git commit`, with the hook's exit status and everything it printed. */
async function commit(dir: string, message: string): Promise<{ status: number; output: string }> {
  try {
    const { stdout, stderr } = await run("git", ["commit", "-m", message], { cwd: dir, encoding: "utf8" });
    return { status: 0, output: `${stdout}\n${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { status: failed.code ?? 1, output: `${failed.stdout ?? ""}\n${failed.stderr ?? ""}` };
  }
}

/** A clone of HEAD with this working tree's hook and tool, ready to commit. */
async function cloneWithHook(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "stackwave-precommit-"));
  await run("git", ["clone", "--quiet", "--no-hardlinks", repoRoot, dir]);
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  // Test the hook as it is in this working tree (its script, its tools, the bundler that loads them), not as HEAD last had it.
  const hookFiles = [".githooks", "tools/dev", "tools/bundle"];
  for (const path of hookFiles) cpSync(join(repoRoot, path), join(dir, path), { recursive: true });
  await git(dir, "config", "user.name", "stackwave test");
  await git(dir, "config", "user.email", "test@stackwave.invalid");
  await git(dir, "config", "core.hooksPath", ".githooks");
  await git(dir, "add", ...hookFiles);
  await git(dir, "commit", "--quiet", "--no-verify", "--allow-empty", "-m", "hook under test");
  return dir;
}

/** A commit rebuilds the hook's bundle, regenerates and type-checks; on a loaded 2-core machine that takes a while. */
const slow = 240_000;

describe("GIVEN a clone with the pre-commit hook installed through core.hooksPath", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await cloneWithHook();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    "WHEN one operator generator value changes and is committed THEN the commit holds the regenerated operator YAML and no other layer",
    async () => {
      const source = readFileSync(join(dir, component), "utf8");
      const match = /resources\((\d+), /.exec(source);
      expect(match, `${component}: expected a resources(cpuMillis, ...) call to change`).not.toBeNull();
      const cpu = Number(match![1]) + 7;
      writeFileSync(join(dir, component), source.replace(match![0], `resources(${cpu}, `));
      await git(dir, "add", component);

      const result = await commit(dir, "operator: more CPU");

      expect(result.status, result.output).toBe(0);
      expect(result.output).toContain("regenerated and staged operator");
      const files = (await git(dir, "show", "--name-only", "--format=", "HEAD")).split("\n").filter(Boolean);
      expect(files).toContain(component);
      const generated = files.filter((f) => f !== component);
      expect(generated.length).toBeGreaterThan(0);
      expect(generated.filter((f) => !/^(base\/operator|overlays\/[^/]+\/operator)\//.test(f))).toEqual([]);
      const deployment = await git(dir, "show", "HEAD:base/operator/prometheus-operator-deployment.yaml");
      expect(deployment).toContain(`cpu: ${cpu}m`);
      // Nothing regenerated is left behind unstaged.
      expect(await git(dir, "status", "--porcelain", "--", "base", "overlays", "clusters")).toBe("");
    },
    slow,
  );

  it("WHEN a generator was committed THEN the hook's own bundle holds no generator, so the next edit does not rebuild it before tsgo starts", async () => {
    // The commit above ran the hook; a fresh clone has no bundle yet, so run the plan once if it is alone.
    await run(process.execPath, ["tools/bundle/run.mjs", "tools/dev/precommit.ts", "--explain"], { cwd: dir });
    const cache = join(dir, "node_modules", ".cache", "stackwave-bundle");
    const { bundleId } = (await import(join(repoRoot, "tools", "bundle", "load.mjs"))) as { bundleId(root: string, entry: string): string };
    const id = bundleId(dir, "tools/dev/precommit.ts");
    const inputs = Object.keys((JSON.parse(readFileSync(join(cache, `${id}.json`), "utf8")) as { inputs: Record<string, string> }).inputs);
    expect(inputs).toContain("tools/dev/precommit.ts");
    // Only the layer names and image list the plan needs; every generator a layer renders with is in regenerate.ts' bundle.
    expect(inputs.filter((f) => f.startsWith("generators/")).sort()).toEqual(["generators/config.ts", "generators/versions.ts"]);
  });

  it(
    "WHEN a broken generator is committed THEN the commit is refused with the generator's error",
    async () => {
      const head = await git(dir, "rev-parse", "HEAD");
      writeFileSync(
        join(dir, component),
        `${readFileSync(join(dir, component), "utf8")}\nthrow new Error("operator generator broken on purpose");\n`,
      );
      await git(dir, "add", component);

      const result = await commit(dir, "broken operator");

      expect(result.status).not.toBe(0);
      expect(result.output).toContain("operator generator broken on purpose");
      expect(result.output).toContain("commit refused");
      expect(await git(dir, "rev-parse", "HEAD")).toBe(head);
      await git(dir, "checkout", "--quiet", "HEAD", "--", component);
    },
    slow,
  );

  it(
    "WHEN a module several layers share changes and is committed THEN the hook regenerates every layer it feeds: a full regeneration afterwards changes nothing",
    async () => {
      const shared = "generators/meta.ts";
      const source = readFileSync(join(dir, shared), "utf8");
      // The pull policy of every container built with container(), in the operator, platform, monitors and apps layers.
      const changed = source.replace('imagePullPolicy: "IfNotPresent"', 'imagePullPolicy: "Always"');
      expect(changed, `${shared}: expected container() to set imagePullPolicy IfNotPresent`).not.toBe(source);
      writeFileSync(join(dir, shared), changed);
      await git(dir, "add", shared);

      const result = await commit(dir, "meta: always pull");

      expect(result.status, result.output).toBe(0);
      // The hook says what the planner chose: the layers that import the module, or all of them when
      // cluster-level code imports it too (meta.ts is, since generators/production.ts uses it).
      const scope = plan(dir, [shared]).scope;
      expect(result.output).toContain(
        scope === "full" ? "regenerated and staged every layer and clusters/" : `regenerated and staged ${(scope as string[]).join(", ")}`,
      );
      const files = (await git(dir, "show", "--name-only", "--format=", "HEAD")).split("\n").filter(Boolean);
      const layers = new Set(files.filter((f) => f.startsWith("base/")).map((f) => f.split("/")[1]));
      expect(layers.size, files.join("\n")).toBeGreaterThanOrEqual(2);
      // Exactness: what the hook left out, a full regeneration would have to write now.
      await run("npm", ["run", "--silent", "generate"], { cwd: dir });
      expect(await git(dir, "status", "--porcelain", "--", "base", "overlays", "clusters")).toBe("");
    },
    slow,
  );

  /** Stages `edit` applied to the component, commits, and expects a refusal that leaves HEAD where it was. */
  async function refused(edit: (source: string) => string, message: string): Promise<string> {
    const head = await git(dir, "rev-parse", "HEAD");
    const source = readFileSync(join(dir, component), "utf8");
    const changed = edit(source);
    expect(changed, "the edit must change the component").not.toBe(source);
    writeFileSync(join(dir, component), changed);
    await git(dir, "add", component);
    const result = await commit(dir, message);
    await git(dir, "reset", "--quiet", "--hard", "HEAD");
    expect(result.status, result.output).not.toBe(0);
    expect(result.output).toContain("commit refused");
    expect(await git(dir, "rev-parse", "HEAD")).toBe(head);
    return result.output;
  }

  it(
    "WHEN a staged generator has a type error that the bundler would strip THEN the commit is refused with the file, line and error",
    async () => {
      const output = await refused((s) => s.replace(/resources\((\d+), /, 'resources("$1", '), "cpu as a string");
      expect(output).toMatch(new RegExp(`${component.replace(/\./g, "\\.")}:\\d+:\\d+: Argument of type 'string' is not assignable`));
    },
    slow,
  );

  it(
    "WHEN a staged shared module changes a signature its importers still call the old way THEN the commit is refused naming an importer",
    async () => {
      const head = await git(dir, "rev-parse", "HEAD");
      const shared = "generators/meta.ts";
      const source = readFileSync(join(dir, shared), "utf8");
      const changed = source.replace("cpuMillis: number,", "cpuMillis: string,");
      expect(changed, `${shared}: expected resources(cpuMillis: number, ...)`).not.toBe(source);
      writeFileSync(join(dir, shared), changed);
      await git(dir, "add", shared);
      const result = await commit(dir, "resources takes a string");
      await git(dir, "reset", "--quiet", "--hard", "HEAD");
      expect(result.status, result.output).not.toBe(0);
      expect(result.output).toContain("commit refused: type errors");
      // The call sites are in components that were not staged.
      expect(result.output).toMatch(
        /generators\/components\/[\w-]+\.ts:\d+:\d+: Argument of type 'number' is not assignable to parameter of type 'string'/,
      );
      expect(await git(dir, "rev-parse", "HEAD")).toBe(head);
    },
    slow,
  );

  it(
    "WHEN a generator writes a negative CPU request THEN the commit is refused naming the field and a valid quantity",
    async () => {
      const output = await refused(
        (s) =>
          s.replace(
            /resources\(\d+, \d+, \{[^}]*\}\)/,
            '{ requests: { cpu: "-5m", memory: "100Mi" }, limits: { cpu: "200m", memory: "200Mi" } }',
          ),
        "negative cpu",
      );
      expect(output).toMatch(/resources\.requests\.cpu: expected a non-negative Kubernetes quantity such as 100m.*, got string "-5m"/);
    },
    slow,
  );

  it(
    "WHEN a request is above its limit THEN the commit is refused naming the request and the limit",
    async () => {
      const output = await refused(
        (s) =>
          s.replace(
            /resources\(\d+, \d+, \{[^}]*\}\)/,
            '{ requests: { cpu: "1", memory: "100Mi" }, limits: { cpu: "500m", memory: "200Mi" } }',
          ),
        "request above limit",
      );
      expect(output).toContain('resources.requests.cpu: expected at most the limit 500m, got string "1"');
    },
    slow,
  );

  it(
    "WHEN a generated file is edited by hand and staged THEN the commit is refused naming the generator to change",
    async () => {
      const head = await git(dir, "rev-parse", "HEAD");
      const file = "base/operator/prometheus-operator-deployment.yaml";
      writeFileSync(join(dir, file), readFileSync(join(dir, file), "utf8").replace(/replicas: \d+/, "replicas: 3"));
      await git(dir, "add", file);

      const result = await commit(dir, "hand edit");
      await git(dir, "reset", "--quiet", "--hard", "HEAD");

      expect(result.status, result.output).not.toBe(0);
      expect(result.output).toContain(`${file}: edited by hand; it is generated by prometheusOperator() in ${component}`);
      expect(await git(dir, "rev-parse", "HEAD")).toBe(head);
    },
    slow,
  );

  it(
    "WHEN only a non-generator file is committed THEN the hook leaves every generated folder alone",
    async () => {
      writeFileSync(join(dir, "NOTES.md"), "not an input of generation\n");
      await git(dir, "add", "NOTES.md");

      const result = await commit(dir, "notes");

      expect(result.status, result.output).toBe(0);
      expect((await git(dir, "show", "--name-only", "--format=", "HEAD")).trim()).toBe("NOTES.md");
    },
    slow,
  );

  it(
    "WHEN a generator the layer reads has unstaged edits THEN the commit is refused naming the file",
    async () => {
      const layer = "generators/layers/operator.ts";
      writeFileSync(join(dir, layer), `${readFileSync(join(dir, layer), "utf8")}\n// staged edit\n`);
      await git(dir, "add", layer);
      writeFileSync(join(dir, component), `${readFileSync(join(dir, component), "utf8")}\n// unstaged edit\n`);

      const result = await commit(dir, "half staged");

      expect(result.status).not.toBe(0);
      expect(result.output).toContain("not staged");
      expect(result.output).toContain(component);
      await git(dir, "reset", "--quiet", "--hard", "HEAD");
    },
    slow,
  );
});

describe("GIVEN this repository's generators", () => {
  it("WHEN cluster-level modules change THEN the plan is a full regeneration", () => {
    for (const file of ["generators/stack.ts", "generators/versions.ts", "generators/clusters/argocd.ts", "generators/render.ts"])
      expect(plan(repoRoot, [file]).scope, file).toBe("full");
  });

  it("WHEN one layer's component changes THEN only the layers importing it are planned", () => {
    expect(plan(repoRoot, [component]).scope).toEqual(["operator"]);
    expect(plan(repoRoot, ["generators/layers/monitors.ts"]).scope).toEqual(["monitors"]);
  });

  it("WHEN an app's source changes THEN the layer carrying its image tag is planned", () => {
    expect(plan(repoRoot, ["apps/backend/src/server.ts"]).scope).toEqual(["apps"]);
  });

  it("WHEN a staged generator file was deleted THEN the plan falls back to a full regeneration", () => {
    expect(plan(repoRoot, ["generators/components/gone-for-good.ts"]).scope).toBe("full");
  });

  it("WHEN nothing generation reads is staged THEN the plan is empty", () => {
    expect(plan(repoRoot, ["README.md", "test/gitops/precommit.test.ts"])).toEqual({ scope: [], reasons: [], reads: [] });
  });
});

import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../generators/generate.js";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig } from "../../generators/stack.js";
import { validateConfig } from "../../generators/validate.js";
import { suiteDir, testDir } from "../support/temp.js";
import { readTree } from "../support/tree.js";

type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A fresh, plain (JSON) copy of the real config, as a --config file would hold it. */
const fresh = (): Mutable => JSON.parse(JSON.stringify(defaultConfig())) as Mutable;

/** [what is wrong, how to break the config, lines the error must contain] */
const cases: [string, (c: Mutable) => void, string[]][] = [
  [
    "a wrong type",
    (c) => (c.environments[0].replicas.backend = "3"),
    ['environments[0].replicas.backend: expected an integer ≥ 0, got string "3"'],
  ],
  [
    "a fractional replica count",
    (c) => (c.environments[0].replicas.frontend = 1.5),
    ["environments[0].replicas.frontend: expected an integer ≥ 0, got number 1.5"],
  ],
  [
    "negative replicas",
    (c) => (c.environments[1].replicas.prometheus = -1),
    ["environments[1].replicas.prometheus: expected an integer ≥ 0, got number -1"],
  ],
  [
    "two operator replicas",
    (c) => (c.environments[0].replicas.prometheusOperator = 2),
    ["environments[0].replicas.prometheusOperator: expected an integer from 0 to 1"],
  ],
  [
    "an unknown key",
    (c) => (c.environments[0].replica = 3),
    ["environments[0].replica: expected no such key (known: name, replicas, retention, podDisruptionBudgets, production, paging)"],
  ],
  ["an unknown top-level key", (c) => (c.extra = true), ["extra: expected no such key"]],
  [
    "a missing field",
    (c) => delete c.environments[0].retention,
    ["environments[0].retention: expected a Prometheus duration such as 2d, got nothing"],
  ],
  [
    "a malformed version",
    (c) => (c.versions.prometheusOperator = "0.93"),
    ['versions.prometheusOperator: expected a version such as v0.93.0, got string "0.93"'],
  ],
  [
    "an image tagged latest",
    (c) => (c.images.prometheus.tag = "latest"),
    ['images.prometheus.tag: expected a pinned image tag such as v1.2.3 (not latest), got string "latest"'],
  ],
  ["an empty image tag", (c) => (c.images.alertmanager.tag = ""), ["images.alertmanager.tag: expected a pinned image tag"]],
  [
    "an upper-case repository",
    (c) => (c.images.grafana.repository = "Grafana/Grafana"),
    ["images.grafana.repository: expected a lowercase repository path"],
  ],
  [
    "a registry with a scheme",
    (c) => (c.images.mongodb.registry = "https://docker.io"),
    ["images.mongodb.registry: expected a registry host"],
  ],
  [
    "an unknown image",
    (c) => (c.images.redis = { registry: "docker.io", repository: "library/redis", tag: "7.4" }),
    ["images.redis: expected no such key"],
  ],
  [
    "a duplicate environment name",
    (c) => (c.environments[1].name = "local"),
    ['environments[1].name: expected a name unique in environments (also at [0]), got string "local"'],
  ],
  [
    "a duplicate cluster name",
    (c) => c.clusters.push({ ...c.clusters[0] }),
    ['clusters[3].name: expected a name unique in clusters (also at [0]), got string "local"'],
  ],
  [
    "a duplicate layer",
    (c) => (c.layers[1].name = "crds"),
    ["layers[1].name: expected a name unique in layers (also at [0])", "layers: expected a layer named operator, got none"],
  ],
  [
    "the operator in the CRD wave",
    (c) => (c.layers[1].wave = 0),
    ["layers[1].wave: expected a wave > crds's wave 0 (crds < operator < platform ≤ monitors < apps), got number 0"],
  ],
  ["apps before monitors", (c) => (c.layers[4].wave = 2), ["layers[4].wave: expected a wave > monitors's wave 3"]],
  [
    "the apps in another namespace than the components write to",
    (c) => (c.layers[4].namespace = "shop"),
    ['layers[4].namespace: expected guestbook, the namespace the apps components write to, got string "shop"'],
  ],
  [
    "a cluster on an unknown environment",
    (c) => (c.clusters[0].environment = "prod"),
    ['clusters[0].environment: expected one of the environments (local, ha), got string "prod"'],
  ],
  [
    "a malformed retention",
    (c) => (c.environments[0].retention = "2 days"),
    ['environments[0].retention: expected a Prometheus duration such as 2d, got string "2 days"'],
  ],
  [
    "an ssh repo URL",
    (c) => (c.clusters[0].repoURL = "git@host:stackwave.git"),
    ["clusters[0].repoURL: expected an http(s) URL of the local git server (runtime kind)"],
  ],
  [
    "two UIs on one host port",
    (c) => (c.clusters[0].ports.grafana = c.clusters[0].ports.argocd),
    ["clusters[0].ports.grafana: expected a port not already used by ports.argocd"],
  ],
  [
    "a privileged host port",
    (c) => (c.clusters[0].ports.guestbook = 80),
    ["clusters[0].ports.guestbook: expected an integer from 1024 to 65535, got number 80"],
  ],
  [
    "an unknown CRD source",
    (c) => (c.clusters[0].crdSource = { kind: "helm" }),
    ['clusters[0].crdSource.kind: expected one of upstream, mirror, got string "helm"'],
  ],
  [
    "a Kind node that is not the Kubernetes version",
    (c) => (c.images.kindNode.tag = "v1.31.0"),
    ['images.kindNode.tag: expected the Kubernetes version v1.32.8, got string "v1.31.0"'],
  ],
  [
    "a boolean given as a string",
    (c) => (c.environments[1].podDisruptionBudgets = "yes"),
    ['environments[1].podDisruptionBudgets: expected true or false, got string "yes"'],
  ],
];

describe("GIVEN a generated tree and an invalid config", () => {
  const folder = suiteDir("config");
  let root: string;
  let before: Map<string, string>;
  beforeAll(() => {
    root = folder();
    const first = generate({ config: defaultConfig(), root });
    expect(first.ok).toBe(true);
    before = readTree(root);
    expect(before.size).toBeGreaterThan(20);
  });

  it("the real config has no problems", () => {
    expect(validateConfig(defaultConfig())).toEqual([]);
  });

  it.each(cases)(
    "WHEN the config has %s THEN generation names the field and the expected value, and writes nothing",
    (_what, breakIt, expected) => {
      const config = fresh();
      breakIt(config);
      const result = generate({ config, root });
      expect(result.ok).toBe(false);
      const lines = result.ok ? [] : result.problems;
      for (const fragment of expected)
        expect(
          lines.some((line) => line.includes(fragment)),
          `${fragment}\nnot in:\n${lines.join("\n")}`,
        ).toBe(true);
      expect(readTree(root)).toEqual(before);
    },
  );

  it("WHEN the config has several problems THEN each gets its own line", () => {
    const config = fresh();
    config.environments[0].replicas.backend = -2;
    config.images.prometheus.tag = "latest";
    config.clusters[0].repoURL = "ftp://x";
    const result = generate({ config, root });
    expect(result.ok ? [] : result.problems).toHaveLength(3);
  });
});

describe("GIVEN the generate command", () => {
  it("WHEN it is given an invalid config file THEN it exits 1, prints one line per problem and writes nothing", () => {
    const dir = testDir("cli");
    const config = fresh();
    config.environments[1].replicas.alertmanager = -3;
    config.layers[3].wave = 9;
    writeFileSync(join(dir, "bad.json"), JSON.stringify(config));
    const out = join(dir, "out");
    const run = spawnSync("npx", ["tsx", "generators/main.ts", "--config", join(dir, "bad.json"), "--out", out], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toContain("config error: environments[1].replicas.alertmanager: expected an integer ≥ 0, got number -3");
    expect(lines.some((l) => l.startsWith("config error: layers[4].wave: expected a wave > monitors's wave 9"))).toBe(true);
    expect(lines.at(-1)).toBe("generation failed: 2 problem(s); nothing was written");
    expect(readTree(out).size).toBe(0);
  });

  it("WHEN it prints its config THEN that config generates the same tree as the built-in one", () => {
    const dir = testDir("cli");
    const printed = execFileSync("npx", ["tsx", "generators/main.ts", "--print-config"], { cwd: repoRoot, encoding: "utf8" });
    const a = join(dir, "a");
    const b = join(dir, "b");
    expect(generate({ config: JSON.parse(printed), root: a }).ok).toBe(true);
    expect(generate({ config: defaultConfig(), root: b }).ok).toBe(true);
    expect(readTree(a)).toEqual(readTree(b));
  });
});

// An environment's `paging`: another PagerDuty endpoint and group interval in its overlay only, the base untouched.
import { execFileSync } from "node:child_process";
import yaml from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { alertmanagerConfig, alertmanagerConfigSecret } from "../../generators/components/alertmanager.js";
import type { StackConfig } from "../../generators/config.js";
import { generate } from "../../generators/generate.js";
import { defaultConfig } from "../../generators/stack.js";
import { validateConfig } from "../../generators/validate.js";
import { kustomizeCommand } from "../../tools/dev/kustomize.js";
import { suiteDir } from "../support/temp.js";
import { requireTool } from "../support/tools.js";

interface Obj {
  kind: string;
  metadata: { name: string };
  stringData?: Record<string, string>;
}

const kustomize = requireTool("kustomize", "build the pinned kustomize v5.7.1 into the tool cache: npx tsx tools/cache/build.ts");
const eu = "https://events.eu.pagerduty.com/v2/enqueue";

/** The default config with `paging` set on the local environment. */
function withPaging(paging: unknown): StackConfig {
  const copy = JSON.parse(JSON.stringify(defaultConfig())) as StackConfig;
  (copy.environments.find((e) => e.name === "local") as { paging?: unknown }).paging = paging;
  return copy;
}

describe.skipIf(!kustomize)("GIVEN the local environment with an EU PagerDuty endpoint and a 30s group interval", () => {
  const folder = suiteDir("paging");
  let config: (dir: string) => Record<string, unknown>;
  beforeAll(() => {
    const root = folder();
    expect(generate({ config: withPaging({ pagerdutyURL: eu, groupInterval: "30s" }), root }).ok).toBe(true);
    const [program, ...args] = kustomizeCommand();
    config = (dir) => {
      const objects = yaml.loadAll(execFileSync(program, [...args, dir], { cwd: root, encoding: "utf8" })) as Obj[];
      const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === alertmanagerConfigSecret)!;
      return yaml.load(secret.stringData!["alertmanager.yaml"]!) as Record<string, unknown>;
    };
  }, 300_000);

  it("WHEN the local overlay is rendered THEN only the receiver's URL and the group interval differ from the default", () => {
    const expected = alertmanagerConfig() as { route: Record<string, unknown>; receivers: { pagerduty_configs?: { url: string }[] }[] };
    expected.route.group_interval = "30s";
    expected.receivers.find((r) => r.pagerduty_configs)!.pagerduty_configs![0]!.url = eu;
    expect(config("overlays/local/platform")).toEqual(expected);
  });

  it("WHEN the ha overlay and the base are rendered THEN they keep the default configuration", () => {
    expect(config("overlays/ha/platform")).toEqual(alertmanagerConfig());
    expect(config("base/platform")).toEqual(alertmanagerConfig());
  });
});

describe("GIVEN a PagerDuty URL over plain http", () => {
  it.each([
    "http://pagerduty.stackwave-e2e-pager.svc.cluster.local.:8080/v2/enqueue",
    "http://relay.paging.svc:8080/v2/enqueue",
    "http://127.0.0.1:18080/v2/enqueue",
  ])("WHEN it is %s, in the cluster or on loopback THEN it is accepted", (pagerdutyURL) => {
    expect(validateConfig(withPaging({ pagerdutyURL }))).toEqual([]);
  });
});

describe("GIVEN a wrong paging setting", () => {
  it.each([
    [{ pagerdutyURL: "events.pagerduty.com" }, "environments[0].paging.pagerdutyURL: expected an https URL such as"],
    // The key would cross the network in clear.
    [{ pagerdutyURL: "http://events.pagerduty.com/v2/enqueue" }, "environments[0].paging.pagerdutyURL: expected an https URL such as"],
    [{ groupInterval: "30" }, 'environments[0].paging.groupInterval: expected an Alertmanager duration such as 5m, got string "30"'],
    [{ groupinterval: "30s" }, "environments[0].paging.groupinterval: expected no such key (known: pagerdutyURL, groupInterval)"],
  ])("WHEN it is %j THEN the error names the field and what it expects", (paging, line) => {
    const problems = validateConfig(withPaging(paging));
    expect(problems.map((p) => `${p.path}: expected ${p.expected}, got ${p.got}`).join("\n")).toContain(line);
  });
});

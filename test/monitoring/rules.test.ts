// Every generated rule group passes promtool, and every alert carries what a responder needs.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { repositoryURL } from "../../generators/monitoring.js";
import { guestbookAvailability, sloAlerts, sloProblems, sloRecordingRules, type Slo } from "../../generators/slo.js";
import { testDir } from "../support/temp.js";
import { allGroups, promtool, ruleFiles, run, writeYaml } from "./support.js";

describe.skipIf(!promtool)("GIVEN the PrometheusRules of the monitors layer", () => {
  const files = ruleFiles();

  it("WHEN listed THEN the platform, guestbook and SLO rules are all there", () => {
    expect([...files.keys()].sort()).toEqual(["guestbook-rules", "guestbook-slo", "platform-rules"]);
  });

  it.each([...files.keys()])("WHEN promtool checks %s THEN it reports SUCCESS with every rule counted", (name) => {
    const groups = files.get(name)!;
    const path = writeYaml(testDir("rules"), `${name}.yaml`, { groups });
    const result = run(promtool!, ["check", "rules", path]);
    expect(result.output).toContain("SUCCESS");
    expect(result.code, result.output).toBe(0);
    const count = groups.reduce((n, g) => n + g.rules.length, 0);
    expect(result.output).toContain(`${count} rules found`);
  });

  it("WHEN promtool checks a rule file with a typo THEN it fails (the check above can fail)", () => {
    const path = writeYaml(testDir("rules"), "bad.yaml", { groups: [{ name: "bad", rules: [{ alert: "Bad", expr: "sum(rate(x[5m])" }] }] });
    expect(run(promtool!, ["check", "rules", path]).code).not.toBe(0);
  });
});

/** The repository path a GitHub `blob/main` URL of this repository names; undefined for any other URL. */
function runbookPath(url: string): string | undefined {
  const match = /^https:\/\/github\.com\/([\w.-]+\/[\w.-]+)\/blob\/main\/(docs\/runbooks\/[\w.-]+\.md)$/.exec(url);
  return match && `https://github.com/${match[1]}` === repositoryURL ? match[2] : undefined;
}

describe("GIVEN every alerting rule", () => {
  const alerts = allGroups().flatMap((g) => g.rules.filter((r) => r.alert));

  it("WHEN their runbook URLs are followed THEN together they name every runbook in docs/runbooks, one per alert name", () => {
    const onDisk = readdirSync(join(repoRoot, "docs", "runbooks"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/runbooks/${f}`)
      .sort();
    const linked = alerts.map((a) => runbookPath(a.annotations?.runbook_url ?? "") ?? `not a runbook link: ${a.annotations?.runbook_url}`);
    // One runbook per alert name (an alert with two severities shares its runbook).
    expect(new Set(linked).size, "two alert names share a runbook").toBe(new Set(alerts.map((a) => a.alert)).size);
    expect([...new Set(linked)].sort()).toEqual(onDisk);
  });

  it("WHEN counted THEN the issue's platform, guestbook and SLO alerts exist", () => {
    const names = new Set(alerts.map((a) => a.alert));
    for (const name of [
      "Watchdog",
      "TargetDown",
      "PrometheusRuleFailures",
      "PrometheusNotConnectedToAlertmanagers",
      "AlertmanagerFailedToSendAlerts",
      "PrometheusOperatorReconcileErrors",
      "KubePodCrashLooping",
      "KubeDeploymentReplicasMismatch",
      "NodeFilesystemSpaceFillingUp",
      "GuestbookBackendDown",
      "GuestbookFrontendProbeFailing",
      "GuestbookHighErrorRate",
      "GuestbookHighLatency",
      "GuestbookMongoDBDown",
      "GuestbookMongoDBExporterDown",
      "GuestbookErrorBudgetBurn",
    ])
      expect(names, name).toContain(name);
  });

  it.each(alerts.map((a) => [`${a.alert} (${a.labels?.severity})`, a] as const))(
    "WHEN %s is read THEN it has a severity, summary, description and a runbook that exists in docs/runbooks",
    (_, alert) => {
      expect(["critical", "warning", "info", "none"]).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary?.length).toBeGreaterThan(10);
      expect(alert.annotations?.description?.length).toBeGreaterThan(20);
      // The URL must point at a file of this repository on main: follow it to the file on disk.
      const url = alert.annotations?.runbook_url ?? "";
      const path = runbookPath(url);
      expect(path, `${url} is not a blob/main link into this repository`).toBeDefined();
      const runbook = join(repoRoot, path!);
      expect(existsSync(runbook), `${url} points at ${path}, which does not exist`).toBe(true);
      const text = readFileSync(runbook, "utf8");
      expect(text).toMatch(new RegExp(`^# ${alert.alert}\\b`, "m"));
      expect(text).toMatch(/^## Check/m);
      expect(text).toMatch(/^## Fix/m);
    },
  );
});

describe("GIVEN the typed guestbook availability SLO", () => {
  it("WHEN its recording rules are built THEN there is one error ratio per window of both pairs, plus objective and budget", () => {
    const records = sloRecordingRules(guestbookAvailability).map((r) => r.record);
    expect(records.sort()).toEqual(
      [
        "slo:error_budget:ratio",
        "slo:objective:ratio",
        "slo:sli_error:ratio_rate1h",
        "slo:sli_error:ratio_rate30m",
        "slo:sli_error:ratio_rate5m",
        "slo:sli_error:ratio_rate6h",
      ].sort(),
    );
  });

  it("WHEN its alerts are built THEN the fast pair pages at 14.4× and the slow pair tickets at 6× the 0.5 % budget", () => {
    const [fast, slow] = sloAlerts(guestbookAvailability);
    expect(fast!.expr).toBe(
      'slo:sli_error:ratio_rate1h{slo="guestbook-availability"} > 0.072 and slo:sli_error:ratio_rate5m{slo="guestbook-availability"} > 0.072',
    );
    expect(fast!.labels).toMatchObject({ severity: "critical", long_window: "1h", short_window: "5m" });
    expect(slow!.expr).toBe(
      'slo:sli_error:ratio_rate6h{slo="guestbook-availability"} > 0.03 and slo:sli_error:ratio_rate30m{slo="guestbook-availability"} > 0.03',
    );
    expect(slow!.labels).toMatchObject({ severity: "warning", long_window: "6h", short_window: "30m" });
  });

  it.each([
    [{ objective: 1.2 }, "guestbook-availability.objective: expected a number between 0 and 1 (exclusive), got 1.2"],
    [{ period: "a month" }, 'guestbook-availability.period: expected a Prometheus duration such as 30d, got "a month"'],
    [
      { windows: [{ long: "1h", short: "5m", burnRate: 300, severity: "critical", for: "2m" }] },
      "guestbook-availability.windows[0].burnRate: expected burnRate × error budget < 1, got 300 × 0.0050",
    ],
  ] as const)("WHEN the spec has %j THEN generation refuses it naming the field", (change, message) => {
    const bad = { ...guestbookAvailability, ...change } as Slo;
    expect(sloProblems(bad)).toContain(message);
    expect(() => sloRecordingRules(bad)).toThrow(message);
  });
});

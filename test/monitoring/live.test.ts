// The generated monitoring stack, live: real Prometheus, Alertmanager and exporters (Debian packages)
// around the real guestbook on FerretDB, loading the generated rules and Alertmanager configuration.
// Test-only intervals (testIntervals): scrape and evaluate every 1 s, every `for` 2 s, group_wait 1 s.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../generators/dashboards/panels.js";
import { dashboards } from "../../generators/dashboards/index.js";
import { runbookURL } from "../../generators/monitoring.js";
import { allGroups } from "./support.js";
import { eventually, liveToolsPresent, startLiveStack, testIntervals, type LiveStack } from "./live-stack.js";

/** Dashboard queries that cannot return data off-cluster, and why (also listed in docs/monitoring.md). */
export const offCluster: readonly { pattern: RegExp; reason: string }[] = [
  { pattern: /\b(kube_|container_)\w+/, reason: "needs Kubernetes: kube-state-metrics and the kubelet's cAdvisor" },
  {
    pattern: /\bmongodb_(connections|memory|op_counters_total)\b/,
    reason:
      "Debian's MongoDB exporter (2018, mgo driver) cannot talk to FerretDB, so it reports only mongodb_up 0; the cluster runs percona/mongodb_exporter against MongoDB",
  },
];

function panelQueries(): { dashboard: string; panel: string; expr: string }[] {
  return dashboards.flatMap((spec) =>
    (build(spec).panels ?? []).flatMap((panel) => {
      const p = panel as { title?: string; targets?: { expr?: string }[] };
      return (p.targets ?? []).map((t) => ({ dashboard: spec.name, panel: p.title ?? "", expr: t.expr ?? "" }));
    }),
  );
}

describe.skipIf(!liveToolsPresent)("GIVEN the generated monitoring stack running on loopback around the real guestbook", () => {
  let live: LiveStack;
  beforeAll(async () => {
    live = await startLiveStack(testIntervals);
  }, 180_000);
  afterAll(async () => {
    await live?.stop();
  }, 60_000);

  it("WHEN Prometheus has scraped THEN every generated target that can run off-cluster is up", async () => {
    const expected = [
      "alertmanager-main",
      "backend",
      "blackbox",
      "blackbox-exporter",
      "frontend",
      "mongodb-exporter",
      "node-exporter",
      "prometheus-k8s",
    ];
    const targets = await eventually("all targets up", 60_000, async () => {
      const t = await live.targets();
      return t.length === expected.length && t.every((x) => x.health === "up") ? t : undefined;
    });
    expect(targets.map((t) => t.job).sort()).toEqual(expected);
    // The operator's relabelling ran on what discovery gave: the Service and its namespace, the backing
    // pod and container, and the endpoint's port name.
    const backend = targets.find((t) => t.job === "backend")!;
    expect(backend.labels).toMatchObject({ namespace: "guestbook", service: "backend", endpoint: "http", container: "backend" });
    expect(backend.labels.pod).toMatch(/^backend-/);
    // What stays for the cluster, among the operator's jobs: the control plane and the kubelet have no local
    // Service at all; kube-state-metrics, Grafana, the operator and the reloaders' ports have Services whose
    // targets the relabelling of their job did not keep, since no local process stands in for them.
    expect(live.skipped.map((s) => s.job)).toEqual(
      expect.arrayContaining([
        "serviceMonitor/monitoring/apiserver/0",
        "serviceMonitor/monitoring/kubelet/0",
        "serviceMonitor/monitoring/etcd/0",
      ]),
    );
    expect(await live.idleJobs()).toEqual([
      "serviceMonitor/monitoring/alertmanager-main/1",
      "serviceMonitor/monitoring/grafana/0",
      "serviceMonitor/monitoring/kube-state-metrics/0",
      "serviceMonitor/monitoring/kube-state-metrics/1",
      "serviceMonitor/monitoring/prometheus-k8s/1",
      "serviceMonitor/monitoring/prometheus-operator/0",
    ]);
  }, 90_000);

  it("WHEN traffic has flowed THEN every recording rule returns data", async () => {
    await live.traffic(30);
    const records = allGroups().flatMap((g) => g.rules.flatMap((r) => (r.record ? [{ record: r.record, slo: r.labels?.slo }] : [])));
    expect(records.length).toBe(6);
    for (const { record, slo } of records) {
      const result = await eventually(`${record} has data`, 30_000, async () => {
        const r = await live.query(`${record}{slo="${slo}"}`);
        return r.length > 0 && r.every((s) => !Number.isNaN(Number(s.value[1]))) ? r : undefined;
      });
      expect(result.length, record).toBeGreaterThan(0);
    }
  }, 90_000);

  it("WHEN traffic has flowed THEN every dashboard panel query returns data, except the listed off-cluster ones", async () => {
    await live.traffic(10);
    const queries = panelQueries();
    const skipped: string[] = [];
    const empty: string[] = [];
    for (const q of queries) {
      const why = offCluster.find((o) => o.pattern.test(q.expr));
      if (why) {
        skipped.push(`${q.dashboard} / ${q.panel}: ${why.reason}`);
        continue;
      }
      const expr = q.expr.replaceAll("$__rate_interval", "15s");
      // A failed scrape of a slow job leaves its series stale until the next one: wait out two of them.
      const slow = Object.entries(testIntervals.jobIntervals ?? {}).find(([job]) => expr.includes(`job="${job}"`));
      const window = slow ? Math.max(20_000, 2 * Number.parseInt(slow[1], 10) * 1000 + 5_000) : 20_000;
      const ok = await eventually(`${q.dashboard} / ${q.panel}`, window, async () =>
        (await live.query(expr)).length > 0 ? true : undefined,
      ).catch(() => false);
      if (!ok) {
        const job = /job="([^"]+)"/.exec(expr)?.[1];
        const target = job ? (await live.targets()).find((t) => t.job === job) : undefined;
        empty.push(`${q.dashboard} / ${q.panel}: ${expr}${target ? ` (target ${target.health}: ${target.lastError || "no error"})` : ""}`);
      }
    }
    console.log(
      `dashboard queries: ${queries.length}, checked ${queries.length - skipped.length}, skipped ${skipped.length}:\n  ${skipped.join("\n  ")}`,
    );
    expect(empty).toEqual([]);
    // Only the Kubernetes dashboard and the MongoDB server panels may be skipped.
    expect(skipped.every((s) => s.startsWith("kubernetes /") || s.startsWith("mongodb / "))).toBe(true);
    expect(queries.length - skipped.length).toBeGreaterThan(40);
  }, 300_000);

  it("WHEN the backend is killed and restarted THEN PagerDuty gets a trigger then a resolve for GuestbookBackendDown with the key from the file, only critical alerts were paged and the double refused nothing", async () => {
    expect(live.pagerduty.events.filter((e) => e.event.payload?.group === "GuestbookBackendDown")).toEqual([]);

    await live.backend.kill();
    const trigger = await eventually("trigger for GuestbookBackendDown", 90_000, async () =>
      live.pagerduty.events.find((e) => e.event.event_action === "trigger" && e.event.payload?.group === "GuestbookBackendDown"),
    );
    const triggerKey = trigger.event.dedup_key;
    expect(trigger.event.routing_key).toBe(live.routingKey);
    expect(trigger.event.dedup_key).toMatch(/^[0-9a-f]{64}$/);
    expect(trigger.event.payload).toMatchObject({
      summary: "GuestbookBackendDown (guestbook): No guestbook backend is up.",
      source: "local",
      severity: "critical",
      component: "guestbook",
      group: "GuestbookBackendDown",
      class: "critical",
    });
    expect(trigger.event.payload?.custom_details).toMatchObject({ runbook_url: runbookURL("GuestbookBackendDown") });

    await live.backend.restart();
    const resolve = await eventually("resolve for GuestbookBackendDown", 90_000, async () =>
      live.pagerduty.events.find((e) => e.event.event_action === "resolve" && e.event.dedup_key === triggerKey),
    );
    expect(resolve.event.routing_key).toBe(live.routingKey);
    expect(resolve.at).toBeGreaterThan(trigger.at);
    // Every event about this alert, repeats included, carries the same dedup_key.
    const forBackend = live.pagerduty.events.filter(
      (e) => e.event.payload?.group === "GuestbookBackendDown" || e.event.dedup_key === triggerKey,
    );
    expect(new Set(forBackend.map((e) => e.event.dedup_key))).toEqual(new Set([triggerKey]));

    // Everything paged so far (this test's trigger at least): only critical alerts, never the Watchdog,
    // and nothing the double refused (pagerduty.test.ts shows a bad event does land in `rejected`).
    expect(live.pagerduty.rejected).toEqual([]);
    const triggers = live.pagerduty.events.filter((e) => e.event.event_action === "trigger");
    expect(triggers.length).toBeGreaterThan(0);
    for (const t of triggers) {
      expect(t.event.payload?.class).toBe("critical");
      expect(t.event.payload?.group).not.toBe("Watchdog");
    }
  }, 240_000);
});

describe.skipIf(!liveToolsPresent)("GIVEN the same stack started without a PagerDuty key (no `pager` variable)", () => {
  let live: LiveStack;
  beforeAll(async () => {
    live = await startLiveStack({ ...testIntervals, pager: false });
  }, 180_000);
  afterAll(async () => {
    await live?.stop();
  }, 60_000);

  it("WHEN the backend is killed THEN GuestbookBackendDown reaches the local receiver and PagerDuty gets nothing", async () => {
    await eventually("backend scraped up", 60_000, async () =>
      (await live.query('up{job="backend"} == 1')).length > 0 ? true : undefined,
    );
    await live.backend.kill();
    const group = await eventually("GuestbookBackendDown in Alertmanager", 90_000, async () =>
      (await live.alertGroups()).find((g) => g.alerts.some((a) => a.labels.alertname === "GuestbookBackendDown")),
    );
    expect(group.receiver).toBe("critical-local");
    expect(group.alerts[0]!.labels).not.toHaveProperty("pager");
    expect(group.alerts[0]!.labels).toMatchObject({ severity: "critical", namespace: "guestbook", cluster: "local" });
    // Other critical alerts (the frontend probe, MongoDB on FerretDB) fired too by now: none was paged.
    expect(live.pagerduty.events).toEqual([]);
    expect(live.pagerduty.rejected).toEqual([]);
  }, 180_000);
});

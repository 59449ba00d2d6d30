// The generated Alertmanager configuration: valid for amtool in every overlay, routed as documented,
// and holding no PagerDuty key (the key is read from the mounted bootstrap Secret).
import { describe, expect, it } from "vitest";
import yaml from "js-yaml";
import { alertmanagerConfigSecret, receivers } from "../../generators/components/alertmanager.js";
import { bootstrapSecrets, pagerSwitch, pagerdutyMountPath, routingKeyFile } from "../../generators/monitoring.js";
import { testDir } from "../support/temp.js";
import { alertmanagerYamlOf, amtool, environmentNames, find, overlay, run, writeYaml } from "./support.js";

describe.skipIf(!amtool)("GIVEN the Alertmanager configuration rendered in each overlay", () => {
  it.each(environmentNames)("WHEN amtool checks the %s overlay's config THEN it is valid", (env) => {
    const path = writeYaml(testDir("am"), "alertmanager.yaml", yaml.load(alertmanagerYamlOf(env)));
    const result = run(amtool!, ["check-config", path]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("SUCCESS");
    expect(result.output).toContain(" - 4 receivers");
    expect(result.output).toContain(" - 2 inhibit rules");
  });

  it("WHEN amtool checks a config whose receiver is missing THEN it fails (the check can fail)", () => {
    const path = writeYaml(testDir("am"), "bad.yaml", { route: { receiver: "nowhere" }, receivers: [{ name: "default" }] });
    expect(run(amtool!, ["check-config", path]).code).not.toBe(0);
  });

  it.each([
    [["alertname=Watchdog", "severity=none"], receivers.heartbeat],
    [
      ["alertname=GuestbookBackendDown", "severity=critical", "namespace=guestbook", `${pagerSwitch.label}=${pagerSwitch.enabled}`],
      receivers.pagerduty,
    ],
    [["alertname=GuestbookBackendDown", "severity=critical", "namespace=guestbook"], receivers.criticalLocal],
    [
      ["alertname=GuestbookHighLatency", "severity=warning", "namespace=guestbook", `${pagerSwitch.label}=${pagerSwitch.enabled}`],
      receivers.default,
    ],
    [["alertname=TargetDown", "severity=warning"], receivers.default],
  ])("WHEN an alert labelled %j is routed THEN it reaches %s", (labels, receiver) => {
    const config = writeYaml(testDir("am-routes"), "alertmanager.yaml", yaml.load(alertmanagerYamlOf("local")));
    const result = run(amtool!, ["config", "routes", "test", `--config.file=${config}`, ...labels]);
    expect(result.code, result.output).toBe(0);
    expect(result.output.trim()).toBe(receiver);
  });
});

describe("GIVEN the Alertmanager CR and its config Secret", () => {
  const objects = overlay("local", "platform");
  const am = find(objects, "Alertmanager", "main");
  const text = alertmanagerYamlOf("local");
  const config = yaml.load(text) as {
    receivers: { name: string; pagerduty_configs?: Record<string, unknown>[] }[];
    route: { group_by: string[] };
  };

  it("WHEN read THEN the CR takes its configuration from the generated Secret and mounts the pagerduty Secret as optional", () => {
    expect(am.spec.configSecret).toBe(alertmanagerConfigSecret);
    expect(am.spec.volumes).toEqual([{ name: "pagerduty", secret: { secretName: bootstrapSecrets.pagerduty.name, optional: true } }]);
    expect(am.spec.volumeMounts).toEqual([{ name: "pagerduty", mountPath: pagerdutyMountPath, readOnly: true }]);
    expect(routingKeyFile).toBe(`${pagerdutyMountPath}/${bootstrapSecrets.pagerduty.routingKey}`);
  });

  it("WHEN the PagerDuty receiver is read THEN it uses Events API v2 through routing_key_file and holds no key", () => {
    const pd = config.receivers.find((r) => r.name === receivers.pagerduty)?.pagerduty_configs?.[0];
    expect(pd).toMatchObject({
      routing_key_file: routingKeyFile,
      url: "https://events.pagerduty.com/v2/enqueue",
      send_resolved: true,
      severity: "critical",
    });
    expect(pd).not.toHaveProperty("routing_key");
    expect(pd).not.toHaveProperty("service_key");
    expect(text).not.toMatch(/routing_key:|service_key/);
  });

  it("WHEN the route is read THEN alerts are grouped by alertname and namespace", () => {
    expect(config.route.group_by).toEqual(["alertname", "namespace"]);
  });

  it("WHEN the Prometheus CR is read THEN its pager label comes from the optional bootstrap Secret key", () => {
    const prometheus = find(objects, "Prometheus", "k8s");
    expect(prometheus.spec.externalLabels[pagerSwitch.label]).toBe(`\${${pagerSwitch.env}}`);
    const env = prometheus.spec.containers[0].env[0];
    expect(env).toEqual({
      name: pagerSwitch.env,
      valueFrom: { secretKeyRef: { name: bootstrapSecrets.pagerduty.name, key: bootstrapSecrets.pagerduty.pagerKey, optional: true } },
    });
  });
});

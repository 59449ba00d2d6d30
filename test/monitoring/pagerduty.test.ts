// The PagerDuty double's own controls: it refuses what the real Events API v2 refuses, naming the
// field, and the real Alertmanager running the generated configuration fills its `rejected` list when
// the routing key is wrong. So "the double refused nothing" in live.test.ts is a check that can fail.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertmanagerConfig, defaultAlertmanagerOptions } from "../../generators/components/alertmanager.js";
import { pagerSwitch } from "../../generators/monitoring.js";
import { leasePort, type PortLease } from "../../tools/sim/ports.js";
import { stopChild } from "../support/ferretdb.js";
import { suiteDir } from "../support/temp.js";
import { bins, eventually } from "./live-stack.js";
import { startFakePagerDuty, type FakePagerDuty } from "./pagerduty.js";

const key = "0123456789abcdef0123456789abcdef";
const valid = {
  routing_key: key,
  event_action: "trigger",
  dedup_key: "guestbook-backend-down",
  payload: { summary: "backend down", source: "local", severity: "critical" },
};

async function post(url: string, body: string): Promise<{ status: number; errors: string[] }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const reply = (await res.json()) as { errors?: string[] };
  return { status: res.status, errors: reply.errors ?? [] };
}

describe("GIVEN the PagerDuty double", () => {
  let pd: FakePagerDuty;
  beforeAll(async () => {
    pd = await startFakePagerDuty();
  });
  afterAll(async () => {
    await pd?.close();
  });

  it("WHEN a well-formed trigger arrives THEN it answers 202 and records the event", async () => {
    const before = pd.events.length;
    expect((await post(pd.url, JSON.stringify(valid))).status).toBe(202);
    expect(pd.events.slice(before).map((e) => e.event)).toEqual([valid]);
  });

  it.each([
    ["a 31-character routing key", { ...valid, routing_key: key.slice(1) }, "routing_key"],
    ["the legacy service_key instead of routing_key", { ...valid, routing_key: undefined, service_key: key }, "routing_key"],
    ["an unknown event_action", { ...valid, event_action: "fire" }, "event_action"],
    ["a trigger without payload", { ...valid, payload: undefined }, "payload"],
    ["a severity PagerDuty does not know", { ...valid, payload: { ...valid.payload, severity: "page" } }, "payload.severity"],
    ["an empty summary", { ...valid, payload: { ...valid.payload, summary: " " } }, "payload.summary"],
    ["a resolve without dedup_key", { routing_key: key, event_action: "resolve" }, "dedup_key"],
  ])("WHEN an event has %s THEN it answers 400 naming %s and records the refusal", async (_what, event, field) => {
    const body = JSON.stringify(event);
    const { status, errors } = await post(pd.url, body);
    expect(status).toBe(400);
    expect(
      errors.some((e) => e.startsWith(`${field}:`)),
      errors.join("; "),
    ).toBe(true);
    expect(pd.rejected.find((r) => r.body === body)?.problems).toEqual(errors);
    expect(pd.events.some((e) => JSON.stringify(e.event) === body)).toBe(false);
  });

  it("WHEN the body is not JSON THEN it answers 400 and records the refusal", async () => {
    expect((await post(pd.url, "{not json")).status).toBe(400);
    expect(pd.rejected.find((r) => r.body === "{not json")?.problems).toEqual(["body: not JSON"]);
  });
});

describe.skipIf(!bins.alertmanager)("GIVEN the real Alertmanager with the generated config and a routing key one character short", () => {
  const folder = suiteDir("pagerduty-am");
  let pd: FakePagerDuty;
  let am: ChildProcess | undefined;
  let lease: PortLease | undefined;
  let amURL: string;

  beforeAll(async () => {
    const dir = folder();
    pd = await startFakePagerDuty();
    const keyFile = join(dir, "routing-key");
    writeFileSync(keyFile, `${key.slice(1)}\n`);
    const config = alertmanagerConfig({
      ...defaultAlertmanagerOptions,
      groupWait: "1s",
      criticalGroupWait: "1s",
      groupInterval: "1s",
      pagerdutyURL: pd.url,
      routingKeyFile: keyFile,
    });
    writeFileSync(join(dir, "alertmanager.yml"), yaml.dump(config, { noRefs: true, lineWidth: -1 }));
    lease = await leasePort();
    amURL = `http://127.0.0.1:${lease.port}`;
    am = spawn(
      bins.alertmanager!,
      [
        `--config.file=${join(dir, "alertmanager.yml")}`,
        `--storage.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${lease.port}`,
        "--cluster.listen-address=",
      ],
      { stdio: "ignore" },
    );
    await eventually("Alertmanager ready", 60_000, async () => ((await fetch(`${amURL}/-/ready`)).ok ? true : undefined));
  }, 90_000);
  afterAll(async () => {
    if (am) await stopChild(am);
    lease?.release();
    await pd?.close();
  });

  it("WHEN a paging alert fires THEN Alertmanager sends it and the double refuses it, naming routing_key", async () => {
    const alert = {
      labels: { alertname: "GuestbookBackendDown", severity: "critical", namespace: "guestbook", [pagerSwitch.label]: pagerSwitch.enabled },
    };
    const res = await fetch(`${amURL}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([alert]),
    });
    expect(res.status).toBe(200);
    const refused = await eventually("the double refuses Alertmanager's event", 60_000, async () => pd.rejected[0]);
    expect(refused.problems).toEqual([expect.stringMatching(/^routing_key: expected a 32-character integration key/)]);
    expect(JSON.parse(refused.body)).toMatchObject({ event_action: "trigger", routing_key: key.slice(1) });
    expect(pd.events).toEqual([]);
  }, 90_000);
});

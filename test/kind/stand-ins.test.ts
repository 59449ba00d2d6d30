// The images built for what cannot be had here (tools/images/stand-ins.ts) and registry 2.8.3
// (tools/images/registry.ts), each run in the harness Docker as our generated manifests and the
// argo-cd chart run it (args, env, user, read-only root, dropped capabilities, limits, mounts), and
// checked through its contract with real clients.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { argocd, imageString, kubernetes, localRegistry } from "../../generators/versions.js";
import { run } from "../../tools/cache/command.js";
import { argocdValuesPath } from "../../generators/clusters/argocd.js";
import { ensureImages } from "../../tools/images/build.js";
import { argocdRedisReference } from "../../tools/images/stand-ins.js";
import { startDocker, stopDocker, type Docker } from "../../tools/kind/docker/daemon.js";
import { findTool } from "../support/tools.js";
import { dockerBlocker } from "./harness.js";
import { hostPort, runArgs, waitFor, type Container, type PodSpec, type PodWorld } from "./pod.js";

const blocker = dockerBlocker();
const tag = `${process.pid}`;
const names = {
  network: `stackwave-12-net-${tag}`,
  mongoVolume: `stackwave-12-mongo-data-${tag}`,
  mongo: `stackwave-12-mongo-${tag}`,
  exporter: `stackwave-12-mongodb-exporter-${tag}`,
  grafana: `stackwave-12-grafana-${tag}`,
  redis: `stackwave-12-redis-${tag}`,
  registry: `stackwave-12-registry-${tag}`,
};

interface Manifest {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly data?: Record<string, string>;
  readonly spec?: { readonly template: { readonly spec: PodSpec } };
}

const loadAll = (text: string): Manifest[] => (yaml.loadAll(text) as (Manifest | null)[]).filter((d): d is Manifest => d !== null);
const generated = (path: string): Manifest => loadAll(readFileSync(join(repoRoot, path), "utf8"))[0]!;
const configMaps = (manifests: readonly Manifest[]) =>
  Object.fromEntries(manifests.filter((m) => m.kind === "ConfigMap").map((m) => [m.metadata.name, m.data ?? {}]));
const podOf = (m: Manifest): PodSpec => m.spec!.template.spec;
const secret = () => randomBytes(12).toString("hex");

async function fetchText(url: string, init?: RequestInit): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The value of one sample of the Prometheus text `body`, or undefined. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/**
 * One RESP exchange with Redis: sends `commands`, resolves with the raw replies once `replies` lines arrived.
 * Rejects when the connection closes first or nothing more comes for 5 s: Docker's port proxy accepts a
 * connection before Redis listens and then closes it, and a waitFor around this must see that as "not yet".
 */
function redisExchange(port: number, commands: readonly string[][], replies: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no full reply from 127.0.0.1:${port} within 5 s`)));
    let buffer = "";
    socket.on("data", (chunk) => {
      buffer += chunk.toString();
      const lines = buffer.split("\r\n").filter(Boolean);
      if (lines.length >= replies) {
        socket.destroy();
        resolve(lines);
      }
    });
    socket.on("close", () => reject(new Error(`127.0.0.1:${port} closed the connection after ${JSON.stringify(buffer)}`)));
    socket.on("error", reject);
    socket.on("connect", () => {
      for (const c of commands) socket.write(`*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
    });
  });
}

/** Runs `docker exec` and reports the exit code instead of throwing. */
async function exec(docker: Docker, name: string, command: readonly string[]): Promise<{ code: number; out: string }> {
  try {
    return { code: 0, out: await docker.docker(["exec", name, ...command]) };
  } catch (error) {
    const e = error as { code?: number; tail?: string };
    return { code: e.code ?? -1, out: e.tail ?? String(error) };
  }
}

/** Stops a container with SIGTERM (a long grace period) and resolves with its exit code: 0 when it handled the signal. */
async function stopCode(docker: Docker, name: string): Promise<number> {
  await docker.docker(["stop", "--time", "120", name]);
  return Number((await docker.docker(["inspect", "--format", "{{.State.ExitCode}}", name])).trim());
}

describe.skipIf(blocker)("stand-in images and registry 2.8.3", () => {
  let docker: Docker;
  let dir: string;

  beforeAll(async () => {
    docker = await startDocker();
    await ensureImages(docker, ["registry", "mongodb", "mongodb-exporter", "grafana", "redis"]);
    dir = mkdtempSync(join(tmpdir(), "stackwave-stand-ins-"));
    // The containers' users read the ConfigMap files written below it.
    chmodSync(dir, 0o755);
  });

  afterAll(async () => {
    if (docker) {
      for (const name of [names.exporter, names.mongo, names.grafana, names.redis, names.registry]) {
        await docker.docker(["rm", "-f", "-v", name]).catch(() => undefined);
      }
      await docker.docker(["volume", "rm", "-f", names.mongoVolume]).catch(() => undefined);
      await docker.docker(["network", "rm", names.network]).catch(() => undefined);
      if (docker.started) await stopDocker();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe("MongoDB (FerretDB behind the mongo image) and the exporter", () => {
    const credentials = { username: "guestbook", password: secret() };
    const statefulSet = generated("base/apps/mongodb-statefulset.yaml");
    const mongoPod = podOf(statefulSet);
    const mongo = mongoPod.containers[0]!;
    const exporterDeployment = generated("base/platform/mongodb-exporter-deployment.yaml");
    const exporter = podOf(exporterDeployment).containers[0]!;
    let world: PodWorld;
    let mongoPort: number;
    let exporterPort: number;
    const uri = (auth: boolean, password = credentials.password) =>
      `mongodb://${auth ? `${credentials.username}:${password}@` : ""}127.0.0.1:${mongoPort}/?authSource=admin&directConnection=true&serverSelectionTimeoutMS=5000`;
    const readiness = async () => exec(docker, names.mongo, mongo.readinessProbe!.exec!.command);
    const waitReady = () => waitFor("the mongo readiness probe", async () => ((await readiness()).out.trim() === "1" ? true : undefined));

    beforeAll(async () => {
      world = {
        configMaps: configMaps([generated("base/apps/mongosh-config-configmap.yaml")]),
        secrets: { "mongodb-credentials": credentials },
        claims: { data: names.mongoVolume },
        dir,
      };
      await docker.docker(["network", "create", names.network]);
      await docker.docker(["volume", "create", names.mongoVolume]);
      await docker.docker(
        runArgs(names.mongo, mongoPod, mongo, world, ["--network", names.network, "--network-alias", "mongodb.guestbook.svc"]),
      );
      mongoPort = await hostPort(docker, names.mongo, 27017);
      await waitReady();
      await docker.docker(runArgs(names.exporter, podOf(exporterDeployment), exporter, world, ["--network", names.network]));
      exporterPort = await hostPort(docker, names.exporter, 9216);
    });

    it("runs the StatefulSet's container as uid 999 and answers its readiness probe", async () => {
      expect(mongo.image).toBe(imageString({ registry: "docker.io", repository: "library/mongo", tag: "8.0.12" }));
      expect((await exec(docker, names.mongo, ["id", "-u"])).out.trim()).toBe("999");
      const probe = await readiness();
      expect(probe).toEqual({ code: 0, out: "1\n" });
    });

    it("creates the root user from MONGO_INITDB_ROOT_*: it writes and reads; no or wrong credentials are refused", async () => {
      const client = new MongoClient(uri(true));
      try {
        const entries = client.db("guestbook").collection<{ _id: string; text: string }>("entries");
        const id = `stand-in-${secret()}`;
        await entries.insertOne({ _id: id, text: "hello" });
        expect(await entries.findOne({ _id: id })).toEqual({ _id: id, text: "hello" });
      } finally {
        await client.close();
      }
      const anonymous = new MongoClient(uri(false));
      try {
        await expect(anonymous.db("guestbook").collection("entries").insertOne({ text: "x" })).rejects.toThrow(/authentication/i);
      } finally {
        await anonymous.close();
      }
      const wrong = new MongoClient(uri(true, "not-the-password"));
      try {
        await expect(wrong.db("admin").command({ ping: 1 })).rejects.toThrow(/auth/i);
      } finally {
        await wrong.close();
      }
    });

    it("keeps data and the root user in /data/db across a restart", async () => {
      const id = `restart-${secret()}`;
      const write = new MongoClient(uri(true));
      try {
        await write.db("guestbook").collection<{ _id: string }>("entries").insertOne({ _id: id });
      } finally {
        await write.close();
      }
      await docker.docker(["restart", names.mongo]);
      mongoPort = await hostPort(docker, names.mongo, 27017);
      await waitReady();
      const read = new MongoClient(uri(true));
      try {
        expect(await read.db("guestbook").collection<{ _id: string }>("entries").findOne({ _id: id })).toEqual({ _id: id });
      } finally {
        await read.close();
      }
    });

    it("the exporter, with the Deployment's args and env, serves mongodb_up and operation counters from the server", async () => {
      const scrape = async () => (await fetchText(`http://127.0.0.1:${exporterPort}/metrics`)).text;
      const first = await waitFor("mongodb_up 1", async () => {
        const body = await scrape();
        return sample(body, "mongodb_up") === 1 ? body : undefined;
      });
      const inserts = (body: string) => sample(body, "mongodb_op_counters_total", { type: "insert" });
      const before = inserts(first)!;
      expect(before).toBeGreaterThanOrEqual(0);
      const client = new MongoClient(uri(true));
      try {
        for (let i = 0; i < 3; i++) await client.db("guestbook").collection("counted").insertOne({ i });
      } finally {
        await client.close();
      }
      const after = await scrape();
      expect(inserts(after)! - before).toBeGreaterThanOrEqual(3);
      expect(sample(after, "mongodb_ss_opcounters", { legacy_op_type: "insert" })).toBe(inserts(after));
      expect(sample(after, "mongodb_ss_uptime")).toBeGreaterThan(0);
    });

    it("the exporter reports mongodb_up 0 while the server is away and 1 again when it is back", async () => {
      const up = async () => sample((await fetchText(`http://127.0.0.1:${exporterPort}/metrics`)).text, "mongodb_up");
      expect(await stopCode(docker, names.mongo)).toBe(0);
      try {
        expect(await waitFor("mongodb_up 0", async () => ((await up()) === 0 ? 0 : undefined))).toBe(0);
      } finally {
        await docker.docker(["start", names.mongo]);
      }
      mongoPort = await hostPort(docker, names.mongo, 27017);
      await waitReady();
      expect(await waitFor("mongodb_up 1", async () => ((await up()) === 1 ? 1 : undefined))).toBe(1);
    });

    it("the exporter exits cleanly on SIGTERM", async () => {
      expect(await stopCode(docker, names.exporter)).toBe(0);
      await docker.docker(["start", names.exporter]);
      exporterPort = await hostPort(docker, names.exporter, 9216);
      await waitFor("the exporter's metrics", async () =>
        (await fetchText(`http://127.0.0.1:${exporterPort}/metrics`)).status === 200 ? true : undefined,
      );
    });
  });

  describe("Grafana", () => {
    const admin = { "admin-user": "admin", "admin-password": secret() };
    const deployment = generated("base/platform/grafana-deployment.yaml");
    const pod = podOf(deployment);
    const grafana = pod.containers[0]!;
    const dashboardManifests = ["guestbook", "mongodb", "blackbox", "kubernetes", "node", "prometheus"].map((d) =>
      generated(`base/platform/grafana-dashboard-${d}-configmap.yaml`),
    );
    const boards = dashboardManifests.flatMap((m) => Object.values(m.data!).map((j) => JSON.parse(j) as { uid: string; title: string }));
    let base: string;

    beforeAll(async () => {
      const world: PodWorld = {
        configMaps: configMaps([
          ...dashboardManifests,
          generated("base/platform/grafana-datasources-configmap.yaml"),
          generated("base/platform/grafana-dashboard-providers-configmap.yaml"),
        ]),
        secrets: { "grafana-admin": admin },
        dir,
      };
      await docker.docker(runArgs(names.grafana, pod, grafana, world));
      base = `http://127.0.0.1:${await hostPort(docker, names.grafana, 3000)}`;
      await waitFor("Grafana's readiness path", async () =>
        (await fetchText(`${base}${grafana.readinessProbe!.httpGet!.path}`)).status === 200 ? true : undefined,
      );
    });

    it("answers its readiness path as uid 472 on a read-only root", async () => {
      expect(grafana.readinessProbe!.httpGet).toEqual({ path: "/api/health", port: 3000 });
      const health = await fetchText(`${base}/api/health`);
      expect(health.status).toBe(200);
      expect(JSON.parse(health.text)).toMatchObject({ database: "ok", version: "12.1.1" });
      expect((await exec(docker, names.grafana, ["id", "-u"])).out.trim()).toBe("472");
      expect((await exec(docker, names.grafana, ["touch", "/usr/share/grafana/x"])).code).not.toBe(0);
    });

    it("logs the admin user of GF_SECURITY_ADMIN_* in and refuses a wrong password and anonymous API calls", async () => {
      const login = (password: string) =>
        fetchText(`${base}/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ user: "admin", password }),
        });
      const ok = await login(admin["admin-password"]);
      expect(ok.status).toBe(200);
      const cookie = ok.headers.get("set-cookie")!.split(";")[0]!;
      expect(cookie).toMatch(/^grafana_session=\w+\.\w+$/);
      const forged = `${cookie.slice(0, -1)}${cookie.endsWith("0") ? "1" : "0"}`;
      expect((await fetchText(`${base}/api/user`, { headers: { cookie: forged } })).status).toBe(401);
      const user = await fetchText(`${base}/api/user`, { headers: { cookie } });
      expect(JSON.parse(user.text)).toMatchObject({ login: "admin", isGrafanaAdmin: true });
      expect((await login("wrong")).status).toBe(401);
      expect((await fetchText(`${base}/api/search`)).status).toBe(401);
      const bad = await fetchText(`${base}/login`, { method: "POST", body: "{}" });
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.text)).toHaveProperty("expected");
    });

    it("lists every dashboard of the mounted ConfigMaps, in the provider's folder, and serves each by uid", async () => {
      const auth = { authorization: `Basic ${Buffer.from(`admin:${admin["admin-password"]}`).toString("base64")}` };
      const found = JSON.parse((await fetchText(`${base}/api/search?type=dash-db`, { headers: auth })).text) as {
        uid: string;
        title: string;
        folderTitle: string;
      }[];
      expect(found.map((f) => f.uid).sort()).toEqual(boards.map((b) => b.uid).sort());
      expect(new Set(found.map((f) => f.folderTitle))).toEqual(new Set(["stackwave"]));
      for (const board of boards) {
        const one = JSON.parse((await fetchText(`${base}/api/dashboards/uid/${board.uid}`, { headers: auth })).text) as {
          dashboard: { title: string };
          meta: { provisioned: boolean };
        };
        expect(one.dashboard.title).toBe(board.title);
        expect(one.meta.provisioned).toBe(true);
      }
      const sources = JSON.parse((await fetchText(`${base}/api/datasources`, { headers: auth })).text) as { uid: string; url: string }[];
      expect(sources.map((s) => s.uid)).toEqual(["prometheus"]);
      const metrics = (await fetchText(`${base}/metrics`)).text;
      expect(sample(metrics, "grafana_stat_totals_dashboard")).toBe(boards.length);
    });

    it("exits cleanly on SIGTERM", async () => {
      expect(await stopCode(docker, names.grafana)).toBe(0);
      await docker.docker(["start", names.grafana]);
      base = `http://127.0.0.1:${await hostPort(docker, names.grafana, 3000)}`;
      await waitFor("Grafana's health", async () => ((await fetchText(`${base}/api/health`)).status === 200 ? true : undefined));
    });
  });

  describe("Redis for the argo-cd chart", () => {
    const helm = findTool("helm");
    let redis: Container;
    let password: string;
    let port: number;

    beforeAll(async () => {
      if (!helm) throw new Error("helm is not built: npx tsx tools/cache/build.ts helm");
      const chart = join(repoRoot, "..", "shared", "charts", `${argocd.chart.name}-${argocd.chart.version}.tgz`);
      const rendered = loadAll(
        await run([
          helm,
          "template",
          "argocd",
          chart,
          "--namespace",
          "argocd",
          "--kube-version",
          kubernetes.version.slice(1),
          "-f",
          join(repoRoot, argocdValuesPath({ name: "local" })),
        ]),
      );
      const deployment = rendered.find((m) => m.kind === "Deployment" && m.metadata.name === "argocd-redis")!;
      const pod = podOf(deployment);
      redis = pod.containers.find((c) => c.name === "redis")!;
      password = secret();
      const world: PodWorld = { configMaps: configMaps(rendered), secrets: { "argocd-redis": { auth: password } }, dir };
      await docker.docker(runArgs(names.redis, pod, redis, world));
      port = await hostPort(docker, names.redis, 6379);
      await waitFor("Redis on its port", async () => ((await redisExchange(port, [["PING"]], 1))[0] ? true : undefined));
    });

    it("is the image the chart renders, started with the chart's args", () => {
      expect(redis.image).toBe(argocdRedisReference);
      expect(redis.args).toContain("--requirepass $(REDIS_PASSWORD)");
    });

    it("requires the password from --requirepass, answers PING with it and runs with the chart's settings", async () => {
      expect(await redisExchange(port, [["PING"]], 1)).toEqual([expect.stringMatching(/^-NOAUTH/)]);
      expect(await redisExchange(port, [["AUTH", password], ["PING"]], 2)).toEqual(["+OK", "+PONG"]);
      const config = await redisExchange(
        port,
        [
          ["AUTH", password],
          ["CONFIG", "GET", "appendonly"],
        ],
        6,
      );
      expect(config).toEqual(["+OK", "*2", "$10", "appendonly", "$2", "no"]);
    });

    it("exits cleanly on SIGTERM", async () => {
      expect(await stopCode(docker, names.redis)).toBe(0);
      await docker.docker(["start", names.redis]);
      port = await hostPort(docker, names.redis, 6379);
      await waitFor("Redis on its port", async () => ((await redisExchange(port, [["PING"]], 1))[0] ? true : undefined));
    });

    it("passes the chart's liveness and readiness scripts", async () => {
      for (const script of ["/health/redis_liveness.sh", "/health/redis_readiness.sh"]) {
        expect(await exec(docker, names.redis, ["sh", "-c", script])).toEqual({ code: 0, out: "response=PONG\n" });
      }
    });
  });

  describe("registry 2.8.3", () => {
    let port: number;

    beforeAll(async () => {
      await docker.docker(["run", "-d", "--name", names.registry, "-p", "127.0.0.1::5000", imageString(localRegistry.image)]);
      port = await hostPort(docker, names.registry, 5000);
      await waitFor("the registry API", async () => ((await fetchText(`http://127.0.0.1:${port}/v2/`)).status === 200 ? true : undefined));
    });

    it("takes a push of a small image and serves it back on pull", async () => {
      const context = mkdtempSync(join(tmpdir(), "stackwave-registry-push-"));
      const local = `localhost/stackwave-12/registry-probe:${tag}`;
      const remote = `127.0.0.1:${port}/stackwave/probe:${tag}`;
      try {
        const content = secret();
        writeFileSync(join(context, "file"), content);
        writeFileSync(join(context, "Dockerfile"), "FROM scratch\nCOPY file /file\n");
        await docker.docker(["build", "-q", "-t", local, context]);
        await docker.docker(["tag", local, remote]);
        await docker.docker(["push", remote]);
        const catalog = JSON.parse((await fetchText(`http://127.0.0.1:${port}/v2/_catalog`)).text) as { repositories: string[] };
        expect(catalog.repositories).toContain("stackwave/probe");
        const id = (await docker.docker(["image", "inspect", "--format", "{{.Id}}", local])).trim();
        await docker.docker(["rmi", remote, local]);
        await docker.docker(["pull", remote]);
        expect((await docker.docker(["image", "inspect", "--format", "{{.Id}}", remote])).trim()).toBe(id);
      } finally {
        await docker.docker(["rmi", "-f", remote, local]).catch(() => undefined);
        rmSync(context, { recursive: true, force: true });
      }
    });

    it("reports its version and runs as the official image lays it out", async () => {
      const out = await docker.docker(["run", "--rm", imageString(localRegistry.image), "--version"]);
      expect(out.trim()).toBe("/bin/registry github.com/docker/distribution 2.8.3");
      const config = JSON.parse(
        await docker.docker(["image", "inspect", "--format", "{{json .Config}}", imageString(localRegistry.image)]),
      ) as {
        Entrypoint: string[];
        Cmd: string[];
        ExposedPorts: Record<string, object>;
        Volumes: Record<string, object>;
      };
      expect(config).toMatchObject({ Entrypoint: ["/entrypoint.sh"], Cmd: ["/etc/docker/registry/config.yml"] });
      expect(Object.keys(config.ExposedPorts)).toEqual(["5000/tcp"]);
      expect(Object.keys(config.Volumes)).toEqual(["/var/lib/registry"]);
    });
  });
});

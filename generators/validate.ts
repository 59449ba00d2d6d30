// Checks a StackConfig before anything is generated. Every problem names its field path and what
// was expected, so one run lists them all.
import { layerNames, type EnvironmentConfig, type StackConfig } from "./config.js";
import { guestbookNamespace, monitoringNamespace } from "./monitoring.js";
import { pulledImageRefs } from "./clusters/mirror.js";
import { images } from "./versions.js";

/** One thing wrong with the config. */
export interface Problem {
  /** Field path such as `environments[1].replicas.backend`. */
  readonly path: string;
  readonly expected: string;
  readonly got: string;
}

export function formatProblem(problem: Problem): string {
  return `config error: ${problem.path}: expected ${problem.expected}, got ${problem.got}`;
}

type Schema =
  | { readonly type: "string"; readonly pattern: RegExp; readonly expected: string; readonly not?: readonly string[] }
  | { readonly type: "integer"; readonly min: number; readonly max?: number }
  | { readonly type: "boolean" }
  | { readonly type: "enum"; readonly values: readonly string[] }
  | { readonly type: "object"; readonly fields: Readonly<Record<string, Schema>> }
  | { readonly type: "array"; readonly items: Schema; readonly minItems: number }
  | { readonly type: "tagged"; readonly tag: string; readonly variants: Readonly<Record<string, Schema>> }
  /** A field that may be left out; when present it must match `inner`. */
  | { readonly type: "optional"; readonly inner: Schema };

const version = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const name = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const str = (pattern: RegExp, expected: string, not?: readonly string[]): Schema =>
  not ? { type: "string", pattern, expected, not } : { type: "string", pattern, expected };
const int = (min: number, max?: number): Schema => (max === undefined ? { type: "integer", min } : { type: "integer", min, max });
const obj = (fields: Record<string, Schema>): Schema => ({ type: "object", fields });

const imageSchema = obj({
  registry: str(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d{1,5})?$/, "a registry host such as quay.io or localhost:5001"),
  repository: str(
    /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/,
    "a lowercase repository path such as prometheus/prometheus",
  ),
  // A pinned tag: never latest, never empty.
  tag: str(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "a pinned image tag such as v1.2.3 (not latest)", ["latest"]),
});

const port = int(1024, 65535);
const optional = (inner: Schema): Schema => ({ type: "optional", inner });

/** A CrdSource or ChartSource: upstream, or a folder of a mirror repo (`repoURL` described as `url`). */
const upstreamOrMirror = (url: string): Schema => ({
  type: "tagged",
  tag: "kind",
  variants: {
    upstream: obj({ kind: { type: "enum", values: ["upstream"] } }),
    mirror: obj({
      kind: { type: "enum", values: ["mirror"] },
      repoURL: str(/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?\/[\w./-]+$/, url),
      path: str(/^[\w.-]+(\/[\w.-]+)*$/, "a relative path inside the repo"),
    }),
  },
});

/** A Kubernetes storage size in binary units, such as 20Gi. */
const volumeSize = str(/^[1-9]\d*(Mi|Gi|Ti)$/, "a volume size such as 20Gi");
/** A DNS name a UI answers on. */
const host = str(
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/,
  "a DNS name such as grafana.example.com",
);
const uis = (field: Schema) => obj({ argocd: field, grafana: field, guestbook: field });

/** EnvironmentConfig.production (config.ts documents each field). */
const productionSchema = obj({
  zoneSpread: { type: "enum", values: ["preferred", "required"] },
  prometheus: obj({
    storage: volumeSize,
    // Prometheus' own byte unit (model/units): a number and B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, ...
    retentionSize: str(/^[1-9]\d*(K|M|G|T)i?B$/, "a Prometheus size such as 16GiB"),
  }),
  alertmanager: obj({ storage: volumeSize }),
  database: {
    type: "tagged",
    tag: "kind",
    variants: {
      bundled: obj({ kind: { type: "enum", values: ["bundled"] } }),
      external: obj({ kind: { type: "enum", values: ["external"] } }),
    },
  },
  ingress: optional(
    obj({
      className: str(name, "an IngressClass name such as nginx"),
      hosts: uis(host),
      tlsSecrets: uis(str(name, "a Secret name such as grafana-tls")),
    }),
  ),
  appRegistry: str(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/,
    "a registry host and optional path such as ghcr.io/stackwave",
  ),
});

/** An http(s) URL, an ssh:// URL or scp-like `user@host:path` (the last two for `existing` clusters only). */
const gitURL =
  /^(https?:\/\/[A-Za-z0-9.-]+(:\d+)?\/[\w./-]+|ssh:\/\/[\w.-]+@[A-Za-z0-9.-]+(:\d+)?\/[\w./-]+|[\w.-]+@[A-Za-z0-9.-]+:[\w./-]+)$/;

const schema: Schema = obj({
  versions: obj({
    kubernetes: str(version, "a version such as v1.32.8"),
    prometheusOperator: str(version, "a version such as v0.93.0"),
    argocd: str(version, "a version such as v3.2.11"),
    argocdChart: str(version, "a chart version such as 9.1.10"),
  }),
  images: obj(Object.fromEntries(Object.keys(images).map((key) => [key, imageSchema]))),
  layers: {
    type: "array",
    minItems: layerNames.length,
    items: obj({
      name: { type: "enum", values: layerNames },
      wave: int(-100, 100),
      project: { type: "enum", values: ["platform", "apps"] },
      namespace: str(name, "a DNS-1123 label such as monitoring"),
    }),
  },
  environments: {
    type: "array",
    minItems: 1,
    items: obj({
      name: str(name, "a DNS-1123 label such as local"),
      replicas: obj({
        prometheusOperator: int(0, 1),
        prometheus: int(0),
        alertmanager: int(0),
        // Each replica keeps its own sqlite (users, sessions): a second one logs people out at random.
        grafana: int(0, 1),
        // Replicas of one unsharded kube-state-metrics export the same series twice, and sums double-count.
        kubeStateMetrics: int(0, 1),
        blackboxExporter: int(0),
        backend: int(0),
        frontend: int(0),
      }),
      retention: str(/^\d+(ms|s|m|h|d|w|y)$/, "a Prometheus duration such as 2d"),
      podDisruptionBudgets: { type: "boolean" },
      production: optional(productionSchema),
      paging: optional(
        obj({
          // The routing key travels in the body: plain http only to a Service in the cluster or to loopback.
          pagerdutyURL: optional(
            str(
              /^(https:\/\/[A-Za-z0-9.-]+|http:\/\/([A-Za-z0-9-]+\.)+svc(\.cluster\.local)?\.?|http:\/\/(127\.0\.0\.1|localhost))(:\d+)?\/\S*$/,
              "an https URL such as https://events.eu.pagerduty.com/v2/enqueue (http only to a *.svc[.cluster.local] Service or loopback)",
            ),
          ),
          groupInterval: optional(str(/^[1-9]\d*(s|m|h)$/, "an Alertmanager duration such as 5m")),
        }),
      ),
    }),
  },
  clusters: {
    type: "array",
    minItems: 1,
    items: obj({
      name: str(name, "a DNS-1123 label such as local"),
      runtime: { type: "enum", values: ["kind", "sim", "existing"] },
      environment: str(name, "the name of an environment"),
      workers: int(0, 10),
      repoURL: str(gitURL, "a git URL such as http://stackwave-git:8080/stackwave.git, https://host/org/repo.git or git@host:org/repo.git"),
      targetRevision: str(/^[\w./-]+$/, "a branch name such as main"),
      ports: obj({
        argocd: port,
        grafana: port,
        prometheus: port,
        alertmanager: port,
        guestbook: port,
        gitServer: port,
      }),
      crdSource: upstreamOrMirror("an http(s) git URL"),
      mirror: {
        type: "optional",
        inner: obj({
          registries: { type: "array", minItems: 1, items: str(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "a registry host such as quay.io") },
          offline: { type: "boolean" },
        }),
      },
      chartSource: optional(upstreamOrMirror("an http(s) git URL on the local git server")),
      context: optional(str(/^\S+$/, "a kubeconfig context name such as prod-admin")),
    }),
  },
});

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function check(value: unknown, s: Schema, path: string, out: Problem[]): void {
  const fail = (expected: string): void => void out.push({ path, expected, got: describe(value) });
  switch (s.type) {
    case "optional":
      if (value !== undefined) check(value, s.inner, path, out);
      return;
    case "string":
      if (typeof value !== "string" || !s.pattern.test(value) || s.not?.includes(value)) fail(s.expected);
      return;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value) || value < s.min || (s.max !== undefined && value > s.max))
        fail(s.max === undefined ? `an integer ≥ ${s.min}` : `an integer from ${s.min} to ${s.max}`);
      return;
    case "boolean":
      if (typeof value !== "boolean") fail("true or false");
      return;
    case "enum":
      if (typeof value !== "string" || !s.values.includes(value)) fail(`one of ${s.values.join(", ")}`);
      return;
    case "array":
      if (!Array.isArray(value)) return fail("an array");
      if (value.length < s.minItems) fail(`at least ${s.minItems} entries`);
      value.forEach((item, i) => check(item, s.items, `${path}[${i}]`, out));
      return;
    case "tagged": {
      const tag = (value as Record<string, unknown> | null)?.[s.tag];
      const variant = typeof tag === "string" ? s.variants[tag] : undefined;
      if (!variant)
        return void out.push({ path: `${path}.${s.tag}`, expected: `one of ${Object.keys(s.variants).join(", ")}`, got: describe(tag) });
      return check(value, variant, path, out);
    }
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("an object");
      const record = value as Record<string, unknown>;
      for (const [key, field] of Object.entries(s.fields)) check(record[key], field, path ? `${path}.${key}` : key, out);
      for (const key of Object.keys(record))
        if (!(key in s.fields))
          out.push({
            path: path ? `${path}.${key}` : key,
            expected: `no such key (known: ${Object.keys(s.fields).join(", ")})`,
            got: describe(record[key]),
          });
      return;
    }
  }
}

function duplicates(names: readonly unknown[], path: string, out: Problem[]): void {
  const seen = new Map<unknown, number>();
  names.forEach((n, i) => {
    const first = seen.get(n);
    if (first !== undefined)
      out.push({ path: `${path}[${i}].name`, expected: `a name unique in ${path} (also at [${first}])`, got: describe(n) });
    else seen.set(n, i);
  });
}

/** The rules no single field can check: unique names, references, wave order. */
function crossCheck(config: StackConfig, out: Problem[]): void {
  duplicates(
    config.layers.map((l) => l.name),
    "layers",
    out,
  );
  duplicates(
    config.environments.map((e) => e.name),
    "environments",
    out,
  );
  duplicates(
    config.clusters.map((c) => c.name),
    "clusters",
    out,
  );

  for (const layer of layerNames)
    if (!config.layers.some((l) => l.name === layer)) out.push({ path: "layers", expected: `a layer named ${layer}`, got: "none" });

  // The components write to fixed namespaces (generators/monitoring.ts); Prometheus' selectors, the
  // NetworkPolicies and the rules name them too, so a layer cannot move elsewhere by config alone.
  config.layers.forEach((l, i) => {
    const fixed = l.name === "apps" ? guestbookNamespace : monitoringNamespace;
    if (typeof l.namespace === "string" && (layerNames as readonly string[]).includes(l.name) && l.namespace !== fixed)
      out.push({
        path: `layers[${i}].namespace`,
        expected: `${fixed}, the namespace the ${l.name} components write to`,
        got: describe(l.namespace),
      });
  });

  const wave = (name: string) => config.layers.find((l) => l.name === name)?.wave;
  const [crds, operator, platform, monitors, apps] = layerNames.map(wave);
  const order: [string, number | undefined, string, number | undefined, boolean][] = [
    ["crds", crds, "operator", operator, true],
    ["operator", operator, "platform", platform, true],
    ["platform", platform, "monitors", monitors, false],
    ["monitors", monitors, "apps", apps, true],
  ];
  for (const [a, wa, b, wb, strict] of order) {
    if (typeof wa !== "number" || typeof wb !== "number") continue;
    if (strict ? wa >= wb : wa > wb) {
      const i = config.layers.findIndex((l) => l.name === b);
      out.push({
        path: `layers[${i}].wave`,
        expected: `a wave ${strict ? ">" : "≥"} ${a}'s wave ${wa} (crds < operator < platform ≤ monitors < apps)`,
        got: describe(wb),
      });
    }
  }

  const envs = new Set(config.environments.map((e) => e.name));
  config.clusters.forEach((c, i) => {
    if (typeof c.environment === "string" && !envs.has(c.environment))
      out.push({
        path: `clusters[${i}].environment`,
        expected: `one of the environments (${[...envs].join(", ")})`,
        got: describe(c.environment),
      });
    const used = Object.entries(c.ports ?? {});
    used.forEach(([key, p], j) => {
      const clash = used.findIndex(([, q]) => q === p);
      if (clash < j)
        out.push({
          path: `clusters[${i}].ports.${key}`,
          expected: `a port not already used by ports.${used[clash]?.[0]}`,
          got: describe(p),
        });
    });
    // A pulled image from a registry the mirror does not cover would still go to the internet.
    if (c.mirror && Array.isArray(c.mirror.registries)) {
      const pulled = [...new Set(pulledImageRefs(config).map((image) => image?.registry))].filter((r) => typeof r === "string").sort();
      const uncovered = pulled.filter((r) => !c.mirror!.registries.includes(r));
      if (uncovered.length)
        out.push({
          path: `clusters[${i}].mirror.registries`,
          expected: `every registry the cluster's images name (add ${uncovered.join(", ")})`,
          got: describe(c.mirror.registries.join(", ")),
        });
    }
    // The simulated cluster runs no nodes that pull and no self-managed Argo CD.
    for (const key of ["mirror", "chartSource"] as const)
      if (c[key] && c.runtime === "sim")
        out.push({ path: `clusters[${i}].${key}`, expected: "nothing on a sim cluster", got: "an object" });
    // The simulated cluster's git server runs on this machine at ports.gitServer; Argo CD must clone from there.
    const local = `http://127.0.0.1:${c.ports?.gitServer}/`;
    if (c.runtime === "sim" && typeof c.repoURL === "string" && !c.repoURL.startsWith(local))
      out.push({ path: `clusters[${i}].repoURL`, expected: `a URL on the local git server, ${local}<name>.git`, got: describe(c.repoURL) });
  });

  config.clusters.forEach((c, i) => {
    // Only an existing cluster clones a remote: Kind's and the sim's git server is this machine's, over http.
    if (c.runtime !== "existing" && typeof c.repoURL === "string" && gitURL.test(c.repoURL) && !/^https?:\/\//.test(c.repoURL))
      out.push({
        path: `clusters[${i}].repoURL`,
        expected: `an http(s) URL of the local git server (runtime ${c.runtime})`,
        got: describe(c.repoURL),
      });
  });
  config.environments.forEach((e, i) => productionProblems(e.production, `environments[${i}].production`, out));

  const kindTag = config.images?.kindNode?.tag;
  if (typeof kindTag === "string" && kindTag !== config.versions?.kubernetes)
    out.push({ path: "images.kindNode.tag", expected: `the Kubernetes version ${config.versions?.kubernetes}`, got: describe(kindTag) });
}

/** Rules across the fields of EnvironmentConfig.production. */
function productionProblems(production: EnvironmentConfig["production"], path: string, out: Problem[]): void {
  const size = production?.prometheus?.retentionSize;
  const volume = quantityValue(production?.prometheus?.storage);
  const match = typeof size === "string" ? /^(\d+)(K|M|G|T)(i?)B$/.exec(size) : null;
  if (match && volume !== undefined) {
    // Prometheus reads its sizes as powers of two with or without the i (KB = KiB = 1024 B; alecthomas/units).
    const bytes = Number(match[1]) * 1024 ** (["K", "M", "G", "T"].indexOf(match[2]!) + 1);
    // Prometheus only deletes whole blocks, after the WAL and head have grown: leave it a tenth of the volume.
    if (bytes > volume * 0.9)
      out.push({
        path: `${path}.prometheus.retentionSize`,
        expected: `at most 90% of prometheus.storage ${production!.prometheus.storage} (${Math.floor((volume * 0.9) / 2 ** 30)}GiB)`,
        got: describe(size),
      });
  }
  const hosts = Object.entries(production?.ingress?.hosts ?? {});
  hosts.forEach(([key, h], j) => {
    const first = hosts.findIndex(([, other]) => other === h);
    if (first < j)
      out.push({
        path: `${path}.ingress.hosts.${key}`,
        expected: `a host not already used by hosts.${hosts[first]![0]}`,
        got: describe(h),
      });
  });
}

/** Every problem in `config`, or an empty list when it is valid. Accepts untyped input (JSON files). */
export function validateConfig(config: unknown): Problem[] {
  const out: Problem[] = [];
  check(config, schema, "", out);
  const c = config as StackConfig | null;
  const lists = [c?.layers, c?.environments, c?.clusters];
  if (lists.every((list) => Array.isArray(list) && list.every((item) => typeof item === "object" && item !== null)))
    crossCheck(c as StackConfig, out);
  return out;
}

/**
 * A Kubernetes resource.Quantity that is not negative: a decimal with an optional decimal-SI (n u m k M G T P E),
 * binary-SI (Ki … Ei) or exponent suffix, as apimachinery parses it. The models accept any string here.
 */
const quantity = /^\+?(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([-+]?\d+))?$/;
const scale: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The quantity's value in base units (cores, bytes), or undefined when it is not a valid non-negative quantity. */
export function quantityValue(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = typeof value === "string" ? quantity.exec(value) : null;
  if (!match) return undefined;
  return Number(match[1]) * (match[2] ? scale[match[2]]! : 10 ** Number(match[3] ?? 0));
}

/**
 * Every `resources: {requests, limits}` in a rendered object (containers, Prometheus and Alertmanager specs,
 * PVCs): each value a valid non-negative quantity, and each request at most its limit.
 */
export function resourceProblems(value: unknown, path = ""): Problem[] {
  const out: Problem[] = [];
  const at = (key: string | number) => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key);
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...resourceProblems(item, at(i))));
  else if (value && typeof value === "object")
    for (const [key, child] of Object.entries(value)) {
      const here = at(key);
      const sizing = child as { requests?: Record<string, unknown>; limits?: Record<string, unknown> } | null;
      if (key === "resources" && sizing && typeof sizing === "object" && (sizing.requests || sizing.limits)) {
        for (const kind of ["requests", "limits"] as const)
          for (const [name, q] of Object.entries(sizing[kind] ?? {}))
            if (quantityValue(q) === undefined)
              out.push({
                path: `${here}.${kind}.${name}`,
                expected: "a non-negative Kubernetes quantity such as 100m, 0.5, 128Mi or 1Gi",
                got: describe(q),
              });
        for (const [name, request] of Object.entries(sizing.requests ?? {})) {
          const [r, l] = [quantityValue(request), quantityValue(sizing.limits?.[name])];
          if (r !== undefined && l !== undefined && r > l)
            out.push({
              path: `${here}.requests.${name}`,
              expected: `at most the limit ${String(sizing.limits![name])}`,
              got: describe(request),
            });
        }
      } else out.push(...resourceProblems(child, here));
    }
  return out;
}

// The simulated cluster from the command line.
//   npx tsx tools/sim/main.ts            bring it up, print progress and addresses, stop everything on Ctrl-C
//   npx tsx tools/sim/main.ts --detach   bring it up and leave it running (stop later with --down)
//   npx tsx tools/sim/main.ts --down     stop what this checkout runs and remove its folder (other clones' stay)
//   --dry-run                       print the run folder and the programs bring-up would start; change nothing
//   --no-argocd                     control plane and kwok only
//   --prometheus-operator           also run the operator once the monitoring.coreos.com CRDs are Established
//   --argocd-values <file>          take argocd-cm entries from a generated Helm values file (configs.cm)
//   --apply <path>                  after bring-up, `kubectl apply` a file, folder or kustomization (-k when it has one)
//   --cluster <name>                the whole stack of a generated `sim` cluster definition: git server, push,
//                                   root Application, then wait wave by wave (what `npx zx bootstrap.mjs --sim` runs)
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { repoRoot } from "../../generators/paths.js";
import { findTool } from "../cache/which.js";
import { runDir } from "./checkout.js";
import { down, up, type Sim } from "./cluster.js";
import { upStack } from "./stack.js";

/** This checkout's cluster state: never another clone's (tools/sim/checkout.ts). */
const dir = runDir(repoRoot);

function usage(message: string): never {
  console.error(
    `${message}\nusage: npx tsx tools/sim/main.ts [--detach] [--no-argocd] [--prometheus-operator] [--argocd-values <file>] [--apply <path>]... | --cluster <name> [--detach] | --down | --dry-run`,
  );
  process.exit(2);
}

const args = process.argv.slice(2);
const known = new Set([
  "--down",
  "--dry-run",
  "--detach",
  "--no-argocd",
  "--prometheus-operator",
  "--argocd-values",
  "--apply",
  "--cluster",
]);
const apply: string[] = [];
let cluster: string | undefined;
let argocdCm: Record<string, string> | undefined;
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (!known.has(arg)) usage(`unknown argument: ${arg}`);
  if (arg === "--apply") {
    const path = args[++i];
    if (!path || !existsSync(path)) usage(`--apply expects an existing file or folder, got: ${path ?? "(nothing)"}`);
    apply.push(path);
  }
  if (arg === "--cluster") {
    cluster = args[++i];
    if (!cluster || cluster.startsWith("--")) usage(`--cluster expects a cluster name such as sim, got: ${cluster ?? "(nothing)"}`);
  }
  if (arg === "--argocd-values") {
    const file = args[++i];
    if (!file || !existsSync(file)) usage(`--argocd-values expects an existing Helm values file, got: ${file ?? "(nothing)"}`);
    const values = yaml.load(readFileSync(file, "utf8")) as { configs?: { cm?: Record<string, unknown> } } | undefined;
    const cm = values?.configs?.cm;
    if (!cm || typeof cm !== "object") usage(`--argocd-values ${file}: expected a mapping at configs.cm`);
    argocdCm = Object.fromEntries(Object.entries(cm).map(([k, v]) => [k, String(v)]));
  }
}

if (args.includes("--down") && args.includes("--dry-run")) {
  console.log(`(dry run) --down would stop what runs for this checkout and remove ${existsSync(dir) ? dir : `${dir} (it does not exist)`}`);
} else if (args.includes("--down")) {
  if (!existsSync(dir)) console.log(`[sim] down: nothing runs for this checkout (${dir} does not exist)`);
  else {
    await down(dir);
    console.log(`[sim] down: ${dir} removed`);
  }
} else if (args.includes("--dry-run")) {
  dryRun();
} else if (cluster) {
  const fail = (err: unknown): never => {
    console.error(`[sim] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  };
  const started = Date.now();
  const stack = await upStack({ cluster, dir }).catch(fail);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (!stack.waves?.done) {
    await stack.stop();
    fail(`not every Application became Synced and Healthy within the wait (${seconds} s); logs were in ${stack.sim.dir}/logs`);
  }
  console.log(
    [
      `\n✓ stackwave is up on the simulated cluster "${cluster}" in ${seconds} s: every Application is Synced and Healthy`,
      `  Argo CD   ${stack.sim.argocd!.url}  (admin / ${stack.sim.argocd!.adminPassword})`,
      `  git       ${stack.cluster.repoURL}  (push ${stack.cluster.targetRevision} here; the webhook syncs it)`,
      `  kubectl   export KUBECONFIG=${stack.sim.kubeconfig}`,
    ].join("\n"),
  );
  hold(stack.sim);
} else {
  const sim = await up({
    dir,
    argocd: !args.includes("--no-argocd"),
    prometheusOperator: args.includes("--prometheus-operator"),
    ...(argocdCm ? { argocdCm } : {}),
  }).catch((err: unknown) => {
    console.error(`[sim] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
  for (const path of apply) {
    const kustomize = statSync(path).isDirectory() && existsSync(join(path, "kustomization.yaml"));
    console.log(`[sim] applying ${path}`);
    console.log(await sim.kubectl(["apply", "--server-side", kustomize ? "-k" : "-f", path]));
  }
  console.log(`export KUBECONFIG=${sim.kubeconfig}`);
  hold(sim);
}

/** What bring-up would start and where each program is; a missing one is named with how to build it. */
function dryRun(): void {
  const programs = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kubectl", "openssl"];
  if (!args.includes("--no-argocd")) programs.push("redis-server", "argocd", "kustomize", "git");
  if (cluster || args.includes("--prometheus-operator")) programs.push("prometheus-operator");
  const found = programs.map((name) => [name, findTool(name)] as const);
  const missing = found.filter(([, path]) => !path).map(([name]) => name);
  console.log(
    [
      `simulated cluster plan${cluster ? ` (cluster ${cluster}: git server, push, root Application, wave by wave)` : ""}`,
      `  run folder ${dir}`,
      ...found.map(([name, path]) => `  ${path ? "✓" : "✗"} ${name}${path ? ` ${path}` : " missing"}`),
      missing.length
        ? `(dry run: nothing was changed) ${missing.length} program(s) missing: build them with npm run sim:tools (tools/cache/build.ts)`
        : "(dry run: nothing was changed) every program is in place",
    ].join("\n"),
  );
}

/** Leaves the cluster running (--detach) or keeps it in the foreground until Ctrl-C. */
function hold(sim: Sim): void {
  if (args.includes("--detach")) {
    // Leave the components running; their process groups are recorded in state.json for --down.
    sim.detach();
    process.exit(0);
  }
  console.log("[sim] running; Ctrl-C stops everything");
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log("[sim] stopping");
    await sim.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  setInterval(() => undefined, 60_000);
}

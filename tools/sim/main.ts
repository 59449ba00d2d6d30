// The simulated cluster from the command line.
//   npx tsx tools/sim/main.ts            bring it up, print progress and addresses, stop everything on Ctrl-C
//   npx tsx tools/sim/main.ts --detach   bring it up and leave it running (stop later with --down)
//   npx tsx tools/sim/main.ts --down     stop whatever runs and remove its folder
//   --no-argocd                     control plane and kwok only
//   --prometheus-operator           also run the operator once the monitoring.coreos.com CRDs are Established
//   --argocd-values <file>          take argocd-cm entries from a generated Helm values file (configs.cm)
//   --apply <path>                  after bring-up, `kubectl apply` a file, folder or kustomization (-k when it has one)
//   --cluster <name>                the whole stack of a generated `sim` cluster definition: git server, push,
//                                   root Application, then wait wave by wave (what `npx zx bootstrap.mjs --sim` runs)
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { defaultDir, down, up, type Sim } from "./cluster.js";
import { upStack } from "./stack.js";

function usage(message: string): never {
  console.error(
    `${message}\nusage: npx tsx tools/sim/main.ts [--detach] [--no-argocd] [--prometheus-operator] [--argocd-values <file>] [--apply <path>]... | --cluster <name> [--detach] | --down`,
  );
  process.exit(2);
}

const args = process.argv.slice(2);
const known = new Set(["--down", "--detach", "--no-argocd", "--prometheus-operator", "--argocd-values", "--apply", "--cluster"]);
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

if (args.includes("--down")) {
  await down(defaultDir);
  console.log(`[sim] down: ${defaultDir} removed`);
} else if (cluster) {
  const fail = (err: unknown): never => {
    console.error(`[sim] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  };
  const started = Date.now();
  const stack = await upStack({ cluster }).catch(fail);
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

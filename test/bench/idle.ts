// Steady-state cost of the crds Application's CRD tracking patches (69b5ace): the simulated cluster's whole
// stack is brought up twice in one run, once as generated and once with the patches taken out of the
// pushed copy (the behaviour before), and each Argo CD component's CPU is read over the same idle window.
// Writes the "Idle Argo CD" section of docs/benchmarks.md.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { formatWaitResult } from "../../tools/bootstrap/waves.js";
import { upStack, type SimStack } from "../../tools/sim/stack.js";
import { cpuSeconds } from "../../tools/sim/usage.js";
import { snapshot } from "../sim/working-copy.js";
import { median, writeSection } from "./report.js";

const idleMinutes = Number(process.env.IDLE_BENCH_MINUTES ?? 10);
const settleSeconds = Number(process.env.IDLE_BENCH_SETTLE_SECONDS ?? 60);
const components = ["argocd-application-controller", "argocd-repo-server", "argocd-server"] as const;
const crdsApplication = "clusters/sim/apps/crds-application.yaml";

interface Variant {
  readonly name: string;
  /** Rewrites the pushed copy; undefined pushes it as generated. */
  readonly change?: (text: string) => string;
}

/** The crds Application without its kustomize patches: what 69b5ace added, taken out again. */
function untracked(text: string): string {
  const app = yaml.load(text) as { spec: { sources: { kustomize?: unknown }[] } };
  const before = app.spec.sources.filter((s) => s.kustomize).length;
  if (before === 0) throw new Error(`${crdsApplication}: no source has kustomize patches to take out`);
  for (const source of app.spec.sources) delete source.kustomize;
  return `# bench:idle took the CRD tracking patches out of this copy.\n${yaml.dump(app, { noRefs: true })}`;
}

const variants: readonly Variant[] = [
  { name: "before: no CRD tracking patches", change: untracked },
  { name: "today: CRDs carry the tracking id" },
];

interface Result {
  readonly variant: string;
  readonly healthySeconds: number;
  /** CPU seconds per component over the whole window. */
  readonly total: Record<string, number>;
  /** CPU seconds per component in each minute of the window. */
  readonly perMinute: Record<string, number[]>;
}

const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(" / ");
const results: Result[] = [];
for (const variant of variants) {
  const scratch = mkdtempSync(join(tmpdir(), "stackwave-idle-bench-"));
  let stack: SimStack | undefined;
  try {
    const checkout = await snapshot(join(scratch, "checkout"));
    if (variant.change) {
      checkout.edit(crdsApplication, variant.change);
      await checkout.commit("bench:idle: the crds Application without CRD tracking patches");
    }
    const t0 = Date.now();
    stack = await upStack({ checkout: checkout.dir, dir: join(scratch, "sim"), log: () => undefined });
    if (!stack.waves?.done)
      throw new Error(
        `${variant.name}: the stack did not become Synced and Healthy${stack.waves ? `\n${formatWaitResult(stack.waves)}` : ""}`,
      );
    const healthySeconds = (Date.now() - t0) / 1000;
    console.log(`${variant.name}: all Healthy ${healthySeconds.toFixed(1)} s after bring-up began; settling ${settleSeconds} s`);
    await new Promise((r) => setTimeout(r, settleSeconds * 1000));
    const pids = Object.fromEntries(
      components.map((name) => {
        const proc = stack!.sim.procs.find((p) => p.name === name);
        if (!proc) throw new Error(`${variant.name}: the simulated cluster runs no ${name}`);
        return [name, proc.pid];
      }),
    );
    const read = () => Object.fromEntries(components.map((c) => [c, cpuSeconds(pids[c]!)]));
    const start = read();
    let last = start;
    const perMinute: Record<string, number[]> = Object.fromEntries(components.map((c) => [c, []]));
    for (let m = 1; m <= idleMinutes; m++) {
      await new Promise((r) => setTimeout(r, 60_000));
      const now = read();
      for (const c of components) perMinute[c]!.push(now[c]! - last[c]!);
      last = now;
      const controller = perMinute["argocd-application-controller"]!.at(-1)!;
      console.log(`${variant.name}: idle minute ${m}/${idleMinutes}, controller ${controller.toFixed(2)} s CPU`);
    }
    const total = Object.fromEntries(components.map((c) => [c, last[c]! - start[c]!]));
    results.push({ variant: variant.name, healthySeconds, total, perMinute });
  } finally {
    await stack?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

const [before, after] = results as [Result, Result];
const percent = (cpu: number) => ((100 * cpu) / (idleMinutes * 60)).toFixed(2);
const rows = components.map((c) => {
  const ratio = before.total[c]! > 0 ? (after.total[c]! / before.total[c]!).toFixed(2) : "n/a";
  return `| ${c} | ${before.total[c]!.toFixed(1)} s (${percent(before.total[c]!)} %), ${median(before.perMinute[c]!).toFixed(2)} s | ${after.total[c]!.toFixed(1)} s (${percent(after.total[c]!)} %), ${median(after.perMinute[c]!).toFixed(2)} s | ${ratio} |`;
});

writeSection(
  "Idle Argo CD",
  `What the crds Application's CRD tracking patches (69b5ace, docs/sim.md §5) cost once nothing changes. One run
(\`npm run bench:idle\`) brings the simulated cluster's whole stack up twice, one after the other: first with the
patches taken out of the pushed copy of \`${crdsApplication}\` (the behaviour before 69b5ace), then as generated.
Each time, once every Application is Synced and Healthy, it waits ${settleSeconds} s and then reads each Argo CD
component's CPU time (user + system of its process group, reaped children included: tools/sim/usage.ts) over
${idleMinutes} idle minutes. The window holds ${Math.floor((idleMinutes * 60) / 180)} of Argo CD's 180 s full reconciles. Load average 1/5/15 min at the start:
${load}.

| component | before: CPU over ${idleMinutes} min (% of one core), median per minute | today: the same | today / before |
|---|---|---|---|
${rows.join("\n")}

Bring-up to all Healthy in the same run: ${before.healthySeconds.toFixed(1)} s before, ${after.healthySeconds.toFixed(1)} s today (one run each;
\`npm run bench:sim\` has the median).
`,
);

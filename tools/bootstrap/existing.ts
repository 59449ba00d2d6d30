// Bootstrap onto a cluster that already exists (runtime `existing`): any kubeconfig context, no Kind, no local
// registry and no local git server. The same Secrets, Helm install of Argo CD, root Application and wave wait
// as on Kind, plus a repository Secret with the git host's credentials from the environment.
import { join } from "node:path";
import { repoRoot } from "../../generators/paths.js";
import { allLayers } from "../../generators/registry.js";
import { environmentRequests } from "../../generators/requests.js";
import { evaluateAccess, gatherAccess } from "./access.js";
import { loadApplications } from "./applications.js";
import { hostPlatform, findTool, type ToolName } from "./install.js";
import {
  argocdStep,
  formatPlan,
  names,
  rootStep,
  secretsStep,
  stateStep,
  toolsStep,
  wavesStep,
  type Plan,
  type PlanInput,
} from "./plan.js";
import { evaluateNode, evaluateTools, failed, formatFindings, type Finding } from "./preflight.js";
import { argocdURL, repositoryAuth, repositoryStep, webhookLines, type RepositoryAuth } from "./repository.js";
import { Interrupted, Runner, StepError } from "./run.js";
import { environmentOnly } from "./secrets.js";
import type { EnvironmentConfig, StackConfig } from "../../generators/config.js";
import { environmentImage } from "../../generators/production.js";
import { imageString, localRegistry, nodeMinimum } from "../../generators/versions.js";

/** The tools an existing cluster needs: no kind, and kustomize only runs inside Argo CD. */
export const existingTools: readonly ToolName[] = ["kubectl", "helm"];

/** The bring-up of an existing cluster, in order. `auth` says which credentials the repository Secret carries. */
export function existingPlan(input: PlanInput & { readonly context: string }, auth: RepositoryAuth): Plan {
  const n = names(input);
  return {
    mode: "up",
    cluster: input.cluster.name,
    steps: [
      toolsStep(input, existingTools),
      stateStep(input, n),
      secretsStep(input, n),
      repositoryStep(input.cluster, n, auth),
      argocdStep(input, n),
      rootStep(input, n),
      wavesStep(input, n),
    ],
  };
}

/** What the user reads at the end: where the UIs are and what to set at the git host. */
export function existingSummary(input: PlanInput & { readonly context: string }): string {
  const n = names(input);
  const env = input.config.environments.find((e) => e.name === input.cluster.environment);
  const hosts = env?.production?.ingress?.hosts;
  const lines = [
    `  Argo CD    ${argocdURL(input.config, input.cluster)}  (admin; password: node -p "require('./${n.secretsFile}').argocdAdminPassword")`,
    ...(hosts
      ? [`  Grafana    https://${hosts.grafana}`, `  Guestbook  https://${hosts.guestbook}`]
      : [`  Grafana    kubectl --context ${n.context} -n monitoring port-forward svc/grafana 3000`]),
    "",
    ...webhookLines(input.config, input.cluster, n).map((l) => `  ${l}`),
  ];
  return lines.join("\n");
}

/**
 * The guestbook's own images as this environment pulls them. Bootstrap builds them only for Kind; here they
 * must already be in the environment's registry, which it cannot see into, so it names them.
 */
export function appImages(config: StackConfig, environment: EnvironmentConfig): Finding[] {
  const refs = [config.images.guestbookBackend, config.images.guestbookFrontend].map((image) =>
    imageString(environmentImage(image, environment)),
  );
  const local = refs.filter((ref) => ref.startsWith(`${localRegistry.host}/`));
  return [
    local.length > 0
      ? {
          check: "images",
          status: "fail",
          message: `${local.join(", ")}: the Kind registry, which cluster nodes cannot reach`,
          fix: `set production.appRegistry of environment ${environment.name} in generators/stack.ts (docs/cluster.md#images)`,
        }
      : {
          check: "images",
          status: "warn",
          message: `the apps wave pulls ${refs.join(" and ")}, which bootstrap does not push`,
          fix: "push them first (docs/cluster.md#images)",
        },
  ];
}

/** Everything preflight says about an existing cluster: Node, the two tools, the credentials and the cluster itself. */
export async function existingPreflight(
  input: Omit<PlanInput, "applications"> & { readonly context: string },
  env: NodeJS.ProcessEnv,
): Promise<{ findings: Finding[]; auth?: RepositoryAuth }> {
  const binPath = join(repoRoot, input.binDir);
  const tools = await Promise.all(existingTools.map((t) => findTool(t, binPath)));
  const environment = input.config.environments.find((e) => e.name === input.cluster.environment)!;
  const need = environmentRequests(input.config, environment, allLayers, input.cluster);
  const access = evaluateAccess(await gatherAccess(input.context), need, environment.name);
  const credentials = repositoryAuth(input.cluster.repoURL, env);
  const repo: Finding =
    "problem" in credentials
      ? { check: "repository", status: "fail", message: credentials.problem, fix: "see docs/cluster.md#credentials" }
      : credentials.auth === "none"
        ? {
            check: "repository",
            status: "warn",
            message: `no credentials for ${input.cluster.repoURL}: Argo CD clones it anonymously`,
            fix: `set ${environmentOnly.gitPassword} (https) or ${environmentOnly.gitSshPrivateKey} (ssh) for a private repository`,
          }
        : {
            check: "repository",
            status: "ok",
            message: `${credentials.auth === "ssh" ? "deploy key" : "token"} for ${input.cluster.repoURL} from the environment`,
          };
  const database: Finding[] =
    environment.production?.database.kind === "external" && !env[environmentOnly.mongodbUri]
      ? [
          {
            check: "database",
            status: "fail",
            message: `${environmentOnly.mongodbUri}: expected the external database's mongodb:// URI (without credentials)`,
            fix: `export ${environmentOnly.mongodbUri}=mongodb://host:27017/guestbook and rerun`,
          },
        ]
      : [];
  return {
    findings: [
      evaluateNode(process.versions.node, nodeMinimum),
      ...evaluateTools(tools, hostPlatform(), input.binDir, true),
      repo,
      ...database,
      ...appImages(input.config, environment),
      ...access,
    ],
    ...("auth" in credentials ? { auth: credentials.auth } : {}),
  };
}

/** `bootstrap --cluster <existing>`: preflight, then the plan printed (--dry-run) or run. Returns the exit code. */
export async function existingMain(
  options: { readonly dryRun: boolean; readonly down: boolean; readonly verbose: boolean },
  base: Omit<PlanInput, "applications"> & { readonly context: string },
  io: { readonly log: (line: string) => void; readonly warn: (line: string) => void },
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { log, warn } = io;
  if (options.down) {
    warn(
      `--down removes Kind clusters; cluster ${base.cluster.name} is one you run. To remove stackwave from it: kubectl --context ${base.context} -n argocd delete application stackwave (Argo CD prunes the layers), then helm --kube-context ${base.context} -n argocd uninstall argocd.`,
    );
    return 2;
  }
  const { findings, auth } = await existingPreflight(base, env);
  const problems = failed(findings);
  const input = { ...base, applications: await loadApplications(base.config, base.cluster) };
  const plan = existingPlan(input, auth ?? "none");
  if (options.dryRun) {
    // As on Kind: the whole plan and every finding, whatever they say; nothing is changed.
    log(formatPlan(plan));
    log(`\n(dry run: nothing was changed) ${formatFindings(findings).replace(/; nothing was changed/, "")}`);
    return 0;
  }
  (problems.length ? warn : log)(formatFindings(findings));
  if (problems.length) {
    warn(
      `bootstrap stopped before changing anything: fix the ${problems.length === 1 ? "problem" : `${problems.length} problems`} above and rerun.`,
    );
    return 1;
  }
  const runner = new Runner({ root: repoRoot, binDir: input.binDir, verbose: options.verbose, log, env });
  const started = Date.now();
  const onSignal = () => runner.interrupt();
  process.on("SIGINT", onSignal);
  try {
    await runner.run(plan);
  } catch (error) {
    if (error instanceof Interrupted) return 130;
    if (error instanceof StepError) {
      warn(`\n${error.format()}\nFix it and rerun the same command: finished steps are skipped.`);
      return 1;
    }
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
  }
  log(
    `\n✓ stackwave is up on cluster ${input.cluster.name}, context ${input.context} (${((Date.now() - started) / 60_000).toFixed(1)} min)\n\n${existingSummary(input)}`,
  );
  return 0;
}

// Waiting for Argo CD's sync waves. The first half is pure: Application objects in, per-wave state out
// (done, stuck and why). The second half is a thin watch driver on @kubernetes/client-node that feeds it;
// it takes any KubeConfig, so the simulated cluster reuses it against its own API server.
import type { KubeConfig, KubernetesListObject, KubernetesObject } from "@kubernetes/client-node";
import { blockerLine, blockersOf, diagnose, type Blocker, type ResourceStatusLike } from "./blockers.js";

/** The part of an argoproj.io/v1alpha1 Application this logic reads. */
export interface ApplicationLike {
  readonly metadata?: { readonly name?: string; readonly annotations?: Readonly<Record<string, string>> };
  readonly status?: {
    readonly sync?: { readonly status?: string; readonly revision?: string };
    readonly health?: { readonly status?: string; readonly message?: string };
    readonly conditions?: readonly { readonly type?: string; readonly message?: string }[];
    readonly operationState?: { readonly phase?: string; readonly message?: string; readonly retryCount?: number };
    readonly resources?: readonly ResourceStatusLike[];
  };
}

/** An Application the run waits for, with the wave it belongs to. */
export interface ExpectedApp {
  readonly name: string;
  readonly wave: number;
}

export interface AppState {
  readonly name: string;
  /** Sync wave; the root Application gets -Infinity so it always comes first. */
  readonly wave: number;
  readonly present: boolean;
  /** Synced, OutOfSync, Unknown, or "-" when Argo CD has not reported yet. */
  readonly sync: string;
  /** Healthy, Progressing, Degraded, Suspended, Missing, Unknown, or "-". */
  readonly health: string;
  readonly healthMessage?: string;
  /** Last sync operation: phase (Running, Succeeded, Failed, Error) and message. */
  readonly phase?: string;
  readonly operationMessage?: string;
  readonly retryCount?: number;
  readonly conditions: readonly string[];
  /** Its resources that are not Healthy (status.resources). */
  readonly blockers: readonly Blocker[];
  readonly done: boolean;
}

export type WaveStatus = "pending" | "progressing" | "degraded" | "done";

export interface WaveState {
  readonly wave: number;
  readonly status: WaveStatus;
  readonly apps: readonly AppState[];
}

export interface Progress {
  readonly waves: readonly WaveState[];
  /** Every expected Application exists and every Application is Synced and Healthy. */
  readonly done: boolean;
  /** The first wave that is not done: where the run is, or where it is stuck. */
  readonly current?: WaveState;
}

const waveAnnotation = "argocd.argoproj.io/sync-wave";

function waveOf(app: ApplicationLike, root: string): number {
  if (app.metadata?.name === root) return -Infinity;
  const raw = app.metadata?.annotations?.[waveAnnotation];
  const wave = raw === undefined ? 0 : Number.parseInt(raw, 10);
  return Number.isFinite(wave) ? wave : 0;
}

/** Reads one Application's state. */
export function appState(app: ApplicationLike, root: string): AppState {
  const status = app.status ?? {};
  const sync = status.sync?.status ?? "-";
  const health = status.health?.status ?? "-";
  return {
    name: app.metadata?.name ?? "?",
    wave: waveOf(app, root),
    present: true,
    sync,
    health,
    healthMessage: status.health?.message,
    phase: status.operationState?.phase,
    operationMessage: status.operationState?.message,
    retryCount: status.operationState?.retryCount,
    conditions: (status.conditions ?? []).map((c) => `${c.type ?? "Condition"}: ${c.message ?? ""}`.trim()),
    blockers: blockersOf(app.metadata?.name ?? "?", status.resources),
    done: sync === "Synced" && health === "Healthy",
  };
}

function missing(app: ExpectedApp): AppState {
  return { name: app.name, wave: app.wave, present: false, sync: "-", health: "-", conditions: [], blockers: [], done: false };
}

/**
 * Per-wave state of the Applications, given the ones the run expects (the root plus one per layer) and the
 * objects the API server holds. Applications nobody expected still count: all must be Synced and Healthy.
 */
export function evaluate(expected: readonly ExpectedApp[], root: string, objects: readonly ApplicationLike[]): Progress {
  const byName = new Map<string, AppState>();
  for (const app of expected) byName.set(app.name, { ...missing(app), wave: app.name === root ? -Infinity : app.wave });
  if (!byName.has(root)) byName.set(root, missing({ name: root, wave: -Infinity }));
  for (const object of objects) {
    const state = appState(object, root);
    byName.set(state.name, state);
  }
  const groups = new Map<number, AppState[]>();
  for (const state of byName.values()) groups.set(state.wave, [...(groups.get(state.wave) ?? []), state]);
  const waves = [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([wave, apps]): WaveState => {
      const sorted = apps.sort((a, b) => a.name.localeCompare(b.name));
      const status: WaveStatus = sorted.every((a) => a.done)
        ? "done"
        : sorted.some((a) => a.health === "Degraded" || a.phase === "Failed" || a.phase === "Error")
          ? "degraded"
          : sorted.some((a) => a.present)
            ? "progressing"
            : "pending";
      return { wave, status, apps: sorted };
    });
  const current = waves.find((w) => w.status !== "done");
  return { waves, done: current === undefined, current };
}

export function waveLabel(wave: number): string {
  return wave === -Infinity ? "root" : `wave ${wave}`;
}

function appLine(app: AppState): string {
  if (!app.present) return `${app.name}: not created yet`;
  const op = app.phase ? `, last sync ${app.phase}${app.retryCount ? ` (retry ${app.retryCount})` : ""}` : "";
  return `${app.name}: ${app.sync}/${app.health}${op}`;
}

/** One line per Application whose sync, health or operation phase changed since `before`. */
export function changes(before: Progress | undefined, after: Progress): string[] {
  const old = new Map((before?.waves ?? []).flatMap((w) => w.apps).map((a) => [a.name, appLine(a)]));
  return after.waves.flatMap((w) =>
    w.apps
      .filter((a) => a.present && old.get(a.name) !== appLine(a))
      .map((a) => `${waveLabel(w.wave)} · ${appLine(a)}${a.done ? " ✓" : ""}`),
  );
}

/**
 * The resources that hold the run: those of every Application that exists and is not done. A child
 * Application is left out as a resource: its own resources say why it is not Healthy (the root, stuck
 * on a wave, lists only the child it waits for).
 */
export function waveBlockers(progress: Progress): Blocker[] {
  return progress.waves
    .flatMap((w) => w.apps)
    .filter((a) => a.present && !a.done)
    .flatMap((a) => a.blockers.filter((b) => !(b.group === "argoproj.io" && b.kind === "Application")));
}

/**
 * Why the run is not done: the first unfinished wave, each unfinished app with its conditions and last
 * operation, and each resource that is not Healthy. `diagnosis` (from `diagnose`) replaces those resource
 * lines with ones that carry the pods' reasons.
 */
export function stuckReport(progress: Progress, diagnosis?: readonly string[]): string[] {
  const wave = progress.current;
  if (!wave) return [];
  const lines = [`stuck at ${waveLabel(wave.wave)} (${wave.status}); later waves wait for it`];
  for (const app of wave.apps.filter((a) => !a.done)) {
    lines.push(`  ${appLine(app)}`);
    if (!app.present) {
      lines.push(`    the Application does not exist: the previous wave or the root Application has not created it`);
      continue;
    }
    if (app.healthMessage) lines.push(`    health: ${app.healthMessage}`);
    for (const condition of app.conditions) lines.push(`    condition ${condition}`);
    if (app.operationMessage) lines.push(`    last operation: ${app.operationMessage}`);
    if (!app.healthMessage && app.conditions.length === 0 && !app.operationMessage && !app.blockers.some((b) => b.health))
      lines.push(`    no conditions and no operation reported yet`);
    if (!diagnosis)
      for (const b of app.blockers) {
        const line = blockerLine(b);
        if (line) lines.push(`    waiting on ${line}`);
      }
  }
  for (const line of diagnosis ?? []) lines.push(`  waiting on ${line}`);
  return lines;
}

/** A compact one-line summary, e.g. `root ✓ · wave 0 ✓ · wave 1 progressing · wave 2 pending`. */
export function summary(progress: Progress): string {
  return progress.waves.map((w) => `${waveLabel(w.wave)} ${w.status === "done" ? "✓" : w.status}`).join(" · ");
}

// ---- watch driver --------------------------------------------------------------------------------------

export interface WaitOptions {
  /** kubeconfig context to use when `kubeConfig` is not given (e.g. kind-stackwave-local). */
  readonly context?: string;
  readonly kubeConfig?: KubeConfig;
  readonly namespace: string;
  readonly root: string;
  readonly apps: readonly ExpectedApp[];
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** Checked every second; a true value ends the wait early (Ctrl-C). */
  readonly isInterrupted?: () => boolean;
  /** How often a still-waiting summary is printed. Default 60 s. */
  readonly heartbeatMs?: number;
}

export interface WaitResult {
  readonly done: boolean;
  readonly progress: Progress;
  readonly timedOut: boolean;
  readonly elapsedMs: number;
  readonly lastError?: string;
  /** When not done: one line per resource holding the wave, with its pods' reasons. */
  readonly blockers?: readonly string[];
}

/** Watches Applications (list + watch through an informer, relisting after errors) until all are done or time runs out. */
export async function waitForWaves(options: WaitOptions): Promise<WaitResult> {
  // Imported here: the client takes seconds to load and only this driver needs it.
  const { CustomObjectsApi, KubeConfig, makeInformer } = await import("@kubernetes/client-node");
  const kc = options.kubeConfig ?? new KubeConfig();
  if (!options.kubeConfig) {
    kc.loadFromDefault();
    if (options.context) kc.setCurrentContext(options.context);
  }
  const api = kc.makeApiClient(CustomObjectsApi);
  const path = `/apis/argoproj.io/v1alpha1/namespaces/${options.namespace}/applications`;
  const list = () =>
    api.listNamespacedCustomObject({
      group: "argoproj.io",
      version: "v1alpha1",
      namespace: options.namespace,
      plural: "applications",
    }) as Promise<KubernetesListObject<KubernetesObject>>;
  const informer = makeInformer<KubernetesObject>(kc, path, list);
  const started = Date.now();
  let progress = evaluate(options.apps, options.root, []);
  let lastError: string | undefined;
  let stopped = false;

  return new Promise<WaitResult>((resolve) => {
    const finish = (timedOut: boolean) => {
      if (stopped) return;
      stopped = true;
      clearInterval(ticker);
      void informer.stop().catch(() => undefined);
      const elapsedMs = Date.now() - started;
      const result = { done: progress.done, progress, timedOut, elapsedMs, lastError };
      if (progress.done) return resolve(result);
      void diagnose(kc, waveBlockers(progress)).then(
        (blockers) => resolve({ ...result, blockers }),
        () => resolve(result),
      );
    };
    const update = () => {
      const next = evaluate(options.apps, options.root, informer.list() as ApplicationLike[]);
      for (const line of changes(progress, next)) options.log(`  ${line}`);
      progress = next;
      if (progress.done) finish(false);
    };
    informer.on("add", update);
    informer.on("update", update);
    informer.on("delete", update);
    // The informer stops on errors (API server restarting, list failing): start it again shortly.
    const restart = (error: unknown) => {
      lastError = error instanceof Error ? error.message : String(error);
      setTimeout(() => {
        if (!stopped) informer.start().catch(restart);
      }, 2_000);
    };
    informer.on("error", (error: unknown) => {
      if (!stopped) restart(error);
    });
    let lastBeat = Date.now();
    const ticker = setInterval(() => {
      if (options.isInterrupted?.()) return finish(false);
      const now = Date.now();
      if (now - started > options.timeoutMs) return finish(true);
      if (now - lastBeat >= (options.heartbeatMs ?? 60_000)) {
        lastBeat = now;
        const head = `  … ${Math.round((now - started) / 1000)}s: ${summary(progress)}${lastError ? ` (last watch error: ${lastError})` : ""}`;
        void diagnose(kc, waveBlockers(progress)).then(
          (lines) => options.log([head, ...lines.map((l) => `  … ${Math.round((now - started) / 1000)}s: waiting on ${l}`)].join("\n")),
          () => options.log(head),
        );
      }
    }, 1_000);
    informer.start().catch(restart);
  });
}

/** The message for a wait that did not finish. */
export function formatWaitResult(result: WaitResult): string {
  const head = result.timedOut
    ? `timed out after ${Math.round(result.elapsedMs / 1000)}s: not every Application is Synced and Healthy`
    : "stopped before every Application was Synced and Healthy";
  return [
    head,
    ...stuckReport(result.progress, result.blockers),
    ...(result.lastError ? [`last watch error: ${result.lastError}`] : []),
  ].join("\n");
}

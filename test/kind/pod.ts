// Runs one container of a generated pod spec in the harness Docker, as the kubelet would start it:
// its command and args ($(VAR) expanded), env (Secrets from a given map), user and group, read-only
// root, dropped capabilities, no privilege escalation, memory and CPU limits, and its volumes as bind
// mounts (ConfigMaps, projected ConfigMaps, emptyDir folders) or named volumes (claims).
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Docker } from "../../tools/kind/docker/daemon.js";

/** The parts of the Kubernetes API this reads. */
export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string; readonly key: string } };
}
interface SecurityContext {
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly fsGroup?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly capabilities?: { readonly drop?: readonly string[] };
}
export interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly { readonly containerPort: number }[];
  readonly volumeMounts?: readonly {
    readonly name: string;
    readonly mountPath: string;
    readonly subPath?: string;
    readonly readOnly?: boolean;
  }[];
  readonly securityContext?: SecurityContext;
  readonly resources?: { readonly limits?: { readonly cpu?: string; readonly memory?: string } };
  readonly readinessProbe?: {
    readonly exec?: { readonly command: readonly string[] };
    readonly httpGet?: { readonly path: string; readonly port: number };
  };
}
interface Volume {
  readonly name: string;
  readonly configMap?: { readonly name: string; readonly defaultMode?: number };
  readonly projected?: { readonly sources: readonly { readonly configMap?: { readonly name: string } }[] };
  readonly emptyDir?: object;
  readonly persistentVolumeClaim?: object;
}
export interface PodSpec {
  readonly containers: readonly Container[];
  readonly volumes?: readonly Volume[];
  readonly securityContext?: SecurityContext;
}

/** What the pod refers to: ConfigMap data and Secret data by name, claim volumes by volume name. */
export interface PodWorld {
  readonly configMaps: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly secrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Named Docker volumes for volumes that are claims (volumeClaimTemplates). */
  readonly claims?: Readonly<Record<string, string>>;
  /** Where ConfigMap files are written (a temp folder the caller removes). */
  readonly dir: string;
}

/** The container's environment, with Secret references resolved. */
export function environment(container: Container, world: PodWorld): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      const value = world.secrets[ref.name]?.[ref.key];
      if (value === undefined) throw new Error(`env ${e.name}: secret ${ref.name} key ${ref.key} is not in the test's secrets`);
      env[e.name] = value;
    } else env[e.name] = e.value ?? "";
  }
  return env;
}

/** $(VAR) references expanded from the container's env, as the kubelet expands command and args. */
export function expand(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
}

const mebibytes = (q: string): string => {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`memory limit "${q}": expected <n>Mi or <n>Gi`);
  return `${Number(m[1]) * (m[2] === "Gi" ? 1024 : 1)}m`;
};
const cpus = (q: string): string => (q.endsWith("m") ? String(Number(q.slice(0, -1)) / 1000) : q);

function writeConfigMap(world: PodWorld, dir: string, names: readonly string[], mode: number): void {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  for (const name of names) {
    const data = world.configMaps[name];
    if (!data) throw new Error(`ConfigMap ${name} is not in the test's ConfigMaps`);
    for (const [key, value] of Object.entries(data)) {
      writeFileSync(join(dir, key), value);
      chmodSync(join(dir, key), mode);
    }
  }
}

/** `docker run` arguments for `container` of `pod`, detached, named `name`, ports on 127.0.0.1. */
export function runArgs(name: string, pod: PodSpec, container: Container, world: PodWorld, extra: readonly string[] = []): string[] {
  const sc = { ...pod.securityContext, ...container.securityContext };
  const env = environment(container, world);
  const args = ["run", "-d", "--name", name, ...extra];
  // Without runAsGroup the runtime takes the user's group from the image, as Docker does for a bare uid.
  if (sc.runAsUser !== undefined)
    args.push("--user", sc.runAsGroup === undefined ? String(sc.runAsUser) : `${sc.runAsUser}:${sc.runAsGroup}`);
  if (sc.fsGroup !== undefined) args.push("--group-add", String(sc.fsGroup));
  if (sc.readOnlyRootFilesystem) args.push("--read-only");
  if (sc.allowPrivilegeEscalation === false) args.push("--security-opt", "no-new-privileges");
  for (const cap of sc.capabilities?.drop ?? []) args.push("--cap-drop", cap);
  const limits = container.resources?.limits;
  if (limits?.memory) args.push("--memory", mebibytes(limits.memory));
  if (limits?.cpu) args.push("--cpus", cpus(limits.cpu));
  for (const [k, v] of Object.entries(env)) args.push("-e", `${k}=${v}`);
  for (const p of container.ports ?? []) args.push("-p", `127.0.0.1::${p.containerPort}`);
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    const claim = world.claims?.[mount.name];
    if (claim) args.push("--mount", `type=volume,source=${claim},target=${mount.mountPath}`);
    else if (volume?.emptyDir) {
      // A folder of mode 0777, as the kubelet makes an emptyDir (Docker's tmpfs keeps an image folder's mode).
      const empty = join(world.dir, `${name}-${mount.name}`);
      mkdirSync(empty, { recursive: true });
      chmodSync(empty, 0o777);
      args.push("--mount", `type=bind,source=${empty},target=${mount.mountPath}`);
    } else if (volume?.configMap || volume?.projected) {
      const dir = join(world.dir, `${name}-${mount.name}`);
      const names = volume.configMap
        ? [volume.configMap.name]
        : volume.projected!.sources.flatMap((s) => (s.configMap ? [s.configMap.name] : []));
      writeConfigMap(world, dir, names, volume.configMap?.defaultMode ?? 0o644);
      const source = mount.subPath ? join(dir, mount.subPath) : dir;
      args.push("--mount", `type=bind,source=${source},target=${mount.mountPath}${mount.readOnly === false ? "" : ",readonly"}`);
    } else throw new Error(`volume mount ${mount.name} of ${container.name}: no volume or claim of that name`);
  }
  if (container.command) args.push("--entrypoint", container.command[0]!);
  args.push(container.image);
  args.push(...(container.command?.slice(1) ?? []), ...(container.args ?? []).map((a) => expand(a, env)));
  return args;
}

/** The host port Docker published for `port` of container `name`. */
export async function hostPort(docker: Docker, name: string, port: number): Promise<number> {
  const out = (await docker.docker(["port", name, `${port}/tcp`])).trim().split("\n")[0]!;
  const found = Number(out.split(":").pop());
  if (!found) throw new Error(`container ${name} publishes no host port for ${port}: "${out}"`);
  return found;
}

/** Polls `check` until it returns a value (not undefined), or throws with `what` and the last error. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

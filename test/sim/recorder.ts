// Records what the API server did, in its own order: every event of the chosen kinds with its resourceVersion.
// resourceVersions are etcd revisions here, one counter for the whole store, so they order events across kinds
// (Kubernetes calls them opaque; with one etcd and no watch cache tricks they are comparable integers).
// Each kind is listed, then watched from the list's resourceVersion: a list item existed before recording
// began, and an ADDED event carries the revision that created the object.
import { get as httpsGet, type RequestOptions } from "node:https";
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";

export interface KindRef {
  readonly apiVersion: string;
  readonly kind: string;
}

export interface Observed {
  readonly rv: number;
  readonly type: "LISTED" | "ADDED" | "MODIFIED" | "DELETED";
  readonly object: KubernetesObject & Record<string, unknown>;
}

const key = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ""}/${name}`;

interface ApiResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

interface Crd {
  readonly spec?: { readonly group?: string; readonly names?: { readonly kind?: string } };
  readonly status?: { readonly conditions?: readonly { readonly type?: string; readonly status?: string }[] };
}

export const established = (o: unknown) =>
  ((o as Crd).status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True");

export class Recorder {
  private readonly events = new Map<string, Observed[]>();
  private readonly pending = new Map<string, KindRef>();
  private readonly aborts: AbortController[] = [];
  private readonly errors: string[] = [];
  private stopped = false;

  constructor(private readonly kc: KubeConfig) {}

  /**
   * Starts recording `kinds`. A kind the API server does not serve yet (its CRD is not Established) starts
   * as soon as its CRD is, so CRDs are always recorded.
   */
  async start(kinds: readonly KindRef[]): Promise<void> {
    const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
    const all = [crd, ...kinds.filter((k) => k.kind !== crd.kind)];
    for (const ref of all) {
      if (!(await this.watchKind(ref))) this.pending.set(`${ref.apiVersion}/${ref.kind}`, ref);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const abort of this.aborts) abort.abort();
  }

  /** Watch errors so far (a failing assertion shows them). */
  get watchErrors(): readonly string[] {
    return this.errors;
  }

  /** Every event of one object, oldest first. */
  history(kind: string, namespace: string | undefined, name: string): readonly Observed[] {
    return this.events.get(key(kind, namespace, name)) ?? [];
  }

  /** The revision that created the object, or undefined if it existed before recording began (or never). */
  createdAt(kind: string, namespace: string | undefined, name: string): number | undefined {
    return this.history(kind, namespace, name).find((e) => e.type === "ADDED")?.rv;
  }

  /** Whether the object was already there when its kind's recording began. */
  preexisting(kind: string, namespace: string | undefined, name: string): boolean {
    return this.history(kind, namespace, name).some((e) => e.type === "LISTED");
  }

  /** The first revision at which `holds` is true for the object. */
  firstAt(kind: string, namespace: string | undefined, name: string, holds: (object: Observed["object"]) => boolean): number | undefined {
    return this.history(kind, namespace, name).find((e) => e.type !== "DELETED" && holds(e.object))?.rv;
  }

  /** Names of recorded objects of one kind. */
  names(kind: string, namespace?: string): string[] {
    const prefix = `${kind}/${namespace ?? ""}/`;
    return [...this.events.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  private record(type: Observed["type"], object: Observed["object"]): void {
    const meta = object.metadata ?? {};
    const rv = Number(meta.resourceVersion);
    const k = key(String(object.kind), meta.namespace, String(meta.name));
    this.events.set(k, [...(this.events.get(k) ?? []), { rv, type, object }]);
    if (object.kind === "CustomResourceDefinition" && established(object)) this.startPendingFor(object as Crd);
  }

  private startPendingFor(crd: Crd): void {
    for (const [id, ref] of this.pending) {
      if (ref.kind === crd.spec?.names?.kind && ref.apiVersion.split("/")[0] === crd.spec?.group) {
        this.pending.delete(id);
        // Discovery can lag the Established condition by a moment: try for a few seconds.
        const attempt = async (left: number): Promise<void> => {
          // A brand-new resource answers 429 "storage is (re)initializing" for a moment, too.
          if (await this.watchKind(ref).catch(() => false)) return;
          if (left === 0) this.errors.push(`${ref.apiVersion} ${ref.kind}: not served 10 s after its CRD was Established`);
          else await new Promise((r) => setTimeout(r, 500)).then(() => attempt(left - 1));
        };
        void attempt(20);
      }
    }
  }

  /** Lists and watches one kind across namespaces; false when the API server does not serve it. */
  private async watchKind(ref: KindRef): Promise<boolean> {
    const resource = await this.discover(ref);
    if (!resource) return false;
    const base = ref.apiVersion.includes("/") ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    const path = `${base}/${resource.name}`;
    const list = (await this.get(path)) as { metadata: { resourceVersion: string }; items: Observed["object"][] };
    for (const item of list.items) this.record("LISTED", { ...item, apiVersion: ref.apiVersion, kind: ref.kind });
    const { Watch } = await import("@kubernetes/client-node");
    const watch = new Watch(this.kc);
    let from = list.metadata.resourceVersion;
    const follow = async (): Promise<void> => {
      if (this.stopped) return;
      const abort = await watch.watch(
        path,
        { resourceVersion: from, allowWatchBookmarks: true },
        (type, object: Observed["object"]) => {
          from = object.metadata?.resourceVersion ?? from;
          if (type === "ADDED" || type === "MODIFIED" || type === "DELETED")
            this.record(type, { ...object, apiVersion: ref.apiVersion, kind: ref.kind });
        },
        (err: unknown) => {
          if (this.stopped) return;
          if (err) this.errors.push(`${ref.kind}: ${err instanceof Error ? err.message : String(err)}`);
          // A watch ends after a server timeout; carry on from the last revision seen.
          setTimeout(() => void follow().catch((e: unknown) => this.errors.push(`${ref.kind}: ${String(e)}`)), 500);
        },
      );
      this.aborts.push(abort);
    };
    await follow();
    return true;
  }

  /** The kind's resource from discovery, or undefined when its group/version does not serve it. */
  private async discover(ref: KindRef): Promise<ApiResource | undefined> {
    const base = ref.apiVersion.includes("/") ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    try {
      const { resources } = (await this.get(base)) as { resources: ApiResource[] };
      return resources.find((r) => r.kind === ref.kind && !r.name.includes("/"));
    } catch {
      return undefined;
    }
  }

  private async get(path: string): Promise<unknown> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error("recorder: the kubeconfig has no current cluster");
    const options: RequestOptions = {};
    await this.kc.applyToHTTPSOptions(options);
    return new Promise((resolve, reject) => {
      const request = httpsGet(`${cluster.server}${path}`, options, (response) => {
        let body = "";
        response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        response.on("end", () => {
          if (response.statusCode === 200) resolve(JSON.parse(body));
          else reject(new Error(`GET ${path}: HTTP ${response.statusCode} ${body}`));
        });
      });
      request.on("error", reject);
    });
  }
}

// Reads what an upstream Dockerfile's final stage sets for the image's runtime config: entrypoint, cmd,
// user, exposed ports, working directory and volumes, following stage inheritance (FROM <stage>) and
// ENV/ARG substitution. The Kind tests compare a faithful image's config with it.

/** The runtime config a Dockerfile leaves on its image; undefined where the stage never sets it. */
export interface ImageConfig {
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly user?: string;
  readonly workdir?: string;
  readonly ports: readonly string[];
  readonly volumes: readonly string[];
}

interface Stage {
  name?: string;
  config: { entrypoint?: string[]; cmd?: string[]; user?: string; workdir?: string; ports: string[]; volumes: string[] };
  vars: Map<string, string>;
}

/** Joins continuation lines and drops comments and blank lines. */
function instructions(text: string): string[] {
  const out: string[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (!current && (line.trim() === "" || line.trim().startsWith("#"))) continue;
    if (line.endsWith("\\")) current += line.slice(0, -1) + " ";
    else {
      out.push((current + line).trim());
      current = "";
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

function substitute(value: string, vars: ReadonlyMap<string, string>): string {
  return value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => vars.get(name) ?? whole);
}

/** `["a", "b"]` (exec form) or `a b` (shell form, run by /bin/sh -c). */
function command(args: string): string[] {
  if (args.startsWith("[")) return JSON.parse(args) as string[];
  return ["/bin/sh", "-c", args];
}

/** `K=V K2="V 2"` or the legacy `K V`. */
function assignments(args: string): [string, string][] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [key, ...rest] = args.split(/\s+/);
    return [[key!, rest.join(" ")]];
  }
  const pairs: [string, string][] = [];
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) pairs.push([m[1]!, m[3] ?? m[2]!]);
  return pairs;
}

/** The final stage's runtime config of a Dockerfile. */
export function dockerfileConfig(text: string): ImageConfig {
  const stages: Stage[] = [];
  const globalArgs = new Map<string, string>();
  let stage: Stage | undefined;
  for (const line of instructions(text)) {
    const keyword = line.split(/\s+/)[0]!;
    const rest = line.slice(keyword.length).trim();
    const op = keyword.toUpperCase();
    if (op === "FROM") {
      const words = rest.split(/\s+/).filter((w) => !w.startsWith("--"));
      const base = substitute(words[0]!, globalArgs);
      const parent = stages.find((s) => s.name === base);
      stage = {
        name: words[1]?.toUpperCase() === "AS" ? words[2] : undefined,
        config: parent
          ? { ...parent.config, ports: [...parent.config.ports], volumes: [...parent.config.volumes] }
          : { ports: [], volumes: [] },
        vars: new Map(parent ? parent.vars : []),
      };
      stages.push(stage);
      continue;
    }
    if (!stage) {
      if (op === "ARG") for (const [k, v] of assignments(rest)) globalArgs.set(k, v);
      continue;
    }
    const value = substitute(rest, stage.vars);
    switch (op) {
      case "ARG":
      case "ENV":
        for (const [k, v] of assignments(rest)) stage.vars.set(k, substitute(v, stage.vars) || (globalArgs.get(k) ?? ""));
        break;
      case "ENTRYPOINT":
        stage.config.entrypoint = command(value);
        // Docker resets an inherited CMD when ENTRYPOINT is set.
        stage.config.cmd = undefined;
        break;
      case "CMD":
        stage.config.cmd = command(value);
        break;
      case "USER":
        stage.config.user = value;
        break;
      case "WORKDIR":
        stage.config.workdir = value.startsWith("/") ? value : `${stage.config.workdir ?? ""}/${value}`;
        break;
      case "EXPOSE":
        stage.config.ports.push(...value.split(/\s+/).map((p) => (p.includes("/") ? p : `${p}/tcp`)));
        break;
      case "VOLUME":
        stage.config.volumes.push(...(value.startsWith("[") ? (JSON.parse(value) as string[]) : value.split(/\s+/)));
        break;
    }
  }
  if (!stage) throw new Error("Dockerfile has no FROM");
  return stage.config;
}

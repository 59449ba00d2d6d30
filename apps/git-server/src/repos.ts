// The bare repositories in the data folder: `<dataDir>/<name>.git`, each with push enabled and our post-receive hook.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { HttpError } from "./errors.js";
import { git } from "./git.js";
import { log } from "./log.js";

/** The hook only appends git's "<old> <new> <ref>" lines to the file the server names; the server does the rest. */
const postReceive = `#!/bin/sh
# Installed by the stackwave git server (rewritten at every start): passes the updated refs to the server.
if [ -n "$STACKWAVE_PUSH_LOG" ]; then cat >> "$STACKWAVE_PUSH_LOG"; else cat > /dev/null; fi
`;

/** Per-repository settings, reapplied at every start so older repositories pick up changes. */
const settings: readonly (readonly [string, string])[] = [
  // Anonymous push over HTTP; without it http-backend refuses receive-pack unless REMOTE_USER is set.
  ["http.receivepack", "true"],
  // Pushed objects are checked before they land, so a broken client cannot corrupt the store.
  ["receive.fsckObjects", "true"],
  // The GitOps history is the audit trail: forced pushes are refused on the server too.
  ["receive.denyNonFastForwards", "true"],
];

export class Repos {
  constructor(
    readonly dataDir: string,
    private readonly defaultBranch: string,
  ) {}

  dir(name: string): string {
    return join(this.dataDir, `${name}.git`);
  }

  /** Scratch space inside the data volume, so the server needs no writable root filesystem. */
  get scratch(): string {
    return join(this.dataDir, ".tmp");
  }

  async exists(name: string): Promise<boolean> {
    try {
      return (await stat(join(this.dir(name), "HEAD"))).isFile();
    } catch {
      return false;
    }
  }

  async list(): Promise<string[]> {
    const entries = await readdir(this.dataDir, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isDirectory() && entry.name.endsWith(".git") && !entry.name.startsWith("."))
      .map((entry) => entry.name.slice(0, -4))
      .sort();
  }

  /** Prepares the data folder and refreshes settings and hook of every repository already there. */
  async init(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true });
    await rm(this.scratch, { recursive: true, force: true });
    await mkdir(this.scratch, { recursive: true });
    for (const name of await this.list()) await this.configure(this.dir(name));
  }

  /** Creates `<name>.git`; 409 if it exists. Built in scratch and renamed, so a half-made repository never shows. */
  async create(name: string): Promise<void> {
    if (await this.exists(name)) {
      throw new HttpError(409, { error: "repository already exists", field: "name", expected: "a new name", got: name });
    }
    const temp = join(this.scratch, `init-${name}-${randomBytes(4).toString("hex")}`);
    try {
      await git(["init", "--quiet", "--bare", `--initial-branch=${this.defaultBranch}`, temp]);
      await this.configure(temp);
      await rename(temp, this.dir(name));
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST") {
        throw new HttpError(409, { error: "repository already exists", field: "name", expected: "a new name", got: name });
      }
      throw error;
    }
    log("info", "repository created", { repo: name });
  }

  /** Creates the repository unless it exists (used for GIT_INIT_REPOS at startup). */
  async ensure(name: string): Promise<void> {
    if (await this.exists(name)) return;
    try {
      await this.create(name);
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 409)) throw error;
    }
  }

  private async configure(dir: string): Promise<void> {
    for (const [key, value] of settings) await git(["config", key, value], dir);
    const hook = join(dir, "hooks", "post-receive");
    await mkdir(join(dir, "hooks"), { recursive: true });
    await writeFile(hook, postReceive);
    await chmod(hook, 0o755);
  }

  /** The branch HEAD points at, e.g. "main". */
  async headBranch(name: string): Promise<string> {
    try {
      return (await git(["symbolic-ref", "--short", "HEAD"], this.dir(name))).trim();
    } catch {
      return this.defaultBranch;
    }
  }
}

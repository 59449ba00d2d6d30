// After a successful receive-pack: reads the refs our post-receive hook recorded and sends one push event per ref.
import { readFile, rm } from "node:fs/promises";
import { log } from "./log.js";
import { parseUpdates, pushEvent } from "./payload.js";
import type { Repos } from "./repos.js";
import type { Webhook } from "./webhook.js";

export interface PushNotice {
  readonly name: string;
  /** File the hook appended "<old> <new> <ref>" lines to. */
  readonly spool: string;
  readonly remoteAddr: string;
}

export class Pushes {
  constructor(
    private readonly repos: Repos,
    private readonly publicUrl: string,
    private readonly webhook: Webhook | undefined,
  ) {}

  /** Called once receive-pack has exited; the work runs in the background and never affects the push. */
  received(notice: PushNotice): void {
    const work = this.process(notice);
    if (this.webhook) this.webhook.track(work);
    else void work.catch((error: unknown) => log("error", "push bookkeeping failed", { error: String(error) }));
  }

  private async process({ name, spool, remoteAddr }: PushNotice): Promise<void> {
    let text = "";
    try {
      text = await readFile(spool, "utf8");
    } catch {
      return; // No hook output: nothing was updated (for example every ref was rejected).
    } finally {
      await rm(spool, { force: true });
    }
    const updates = parseUpdates(text);
    if (updates.length === 0) return;
    log("info", "refs updated", { repo: name, updates });
    if (!this.webhook) return;
    const defaultBranch = await this.repos.headBranch(name);
    const ctx = { name, dir: this.repos.dir(name), publicUrl: this.publicUrl, defaultBranch, remoteAddr };
    for (const update of updates) {
      const event = await pushEvent(ctx, update);
      this.webhook.send("push", event, { repo: name, ref: update.ref, after: update.after });
    }
  }
}

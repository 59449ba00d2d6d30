import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretRef, type Plan, type Step } from "../../tools/bootstrap/plan.js";
import { Interrupted, Runner, StepError } from "../../tools/bootstrap/run.js";
import { testDir } from "../support/temp.js";

function runner(root: string, lines: string[] = []) {
  return new Runner({ root, binDir: ".bin", verbose: false, log: (l) => lines.push(l), env: { PATH: process.env.PATH } });
}

/** A plan shaped like bootstrap's: a guarded create, an idempotent command, a secret passed through the environment. */
function plan(root: string): Plan {
  const steps: Step[] = [
    {
      name: "state",
      title: "secrets",
      details: [],
      actions: [{ kind: "secrets", path: ".stackwave/secrets.json" }],
      hint: "n/a",
    },
    {
      name: "create",
      title: "create things once",
      details: [],
      actions: [
        {
          kind: "command",
          argv: ["mkdir", "made"],
          skipIf: { kind: "command", argv: ["test", "-d", join(root, "made")], describe: "made/ exists" },
        },
        {
          kind: "command",
          argv: ["sh", "-c", "echo run >> made/count"],
          skipIf: { kind: "command", argv: ["grep", "-q", "run", join(root, "made", "count")], describe: "counted" },
        },
        {
          kind: "command",
          argv: ["sh", "-c", 'printf %s "$HOOK_SECRET" > made/secret'],
          env: { HOOK_SECRET: new SecretRef("webhookSecret") },
        },
        {
          kind: "command",
          argv: ["sh", "-c", "cat > made/stdin"],
          stdin: { objects: [{ kind: "Secret", stringData: { password: new SecretRef("mongodbPassword") } }] },
        },
      ],
      hint: "n/a",
    },
  ];
  return { mode: "up", cluster: "test", steps };
}

// Each test gets its own folder: a shared one made the first test's "nothing done yet" depend on order.
describe("GIVEN a plan of guarded and idempotent actions run by real processes", () => {
  it("WHEN it runs twice THEN the second run skips what is done and the result is the same", async () => {
    const root = testDir("run-converge");
    const first: string[] = [];
    await runner(root, first).run(plan(root));
    const second: string[] = [];
    await runner(root, second).run(plan(root));
    expect(readFileSync(join(root, "made", "count"), "utf8")).toBe("run\n");
    expect(second.filter((l) => l.includes("already done"))).toHaveLength(2);
    expect(first.filter((l) => l.includes("already done"))).toHaveLength(0);
  });

  it("WHEN a command takes a secret from its environment or stdin THEN it gets the stored value, and the log never shows it", async () => {
    const root = testDir("run-secrets");
    const lines: string[] = [];
    await runner(root, lines).run(plan(root));
    const stored = JSON.parse(readFileSync(join(root, ".stackwave", "secrets.json"), "utf8")) as Record<string, string>;
    expect(readFileSync(join(root, "made", "secret"), "utf8")).toBe(stored.webhookSecret);
    expect(readFileSync(join(root, "made", "stdin"), "utf8")).toContain(`password: "${stored.mongodbPassword}"`);
    expect(statSync(join(root, ".stackwave", "secrets.json")).mode & 0o777).toBe(0o600);
    const log = lines.join("\n");
    expect(log).not.toContain(stored.webhookSecret!);
    expect(log).not.toContain(stored.mongodbPassword!);
  });
});

describe("GIVEN a step whose command fails", () => {
  const failing: Plan = {
    mode: "up",
    cluster: "test",
    steps: [
      { name: "first", title: "works", details: [], actions: [{ kind: "command", argv: ["true"] }], hint: "n/a" },
      {
        name: "images",
        title: "fails",
        details: [],
        actions: [
          {
            kind: "command",
            argv: ["sh", "-c", "for i in $(seq 1 40); do echo line $i >&2; done; echo 'ERROR: pull access denied' >&2; exit 3"],
          },
          { kind: "command", argv: ["touch", "never"] },
        ],
        hint: "check the registry",
      },
    ],
  };

  it("WHEN the plan runs THEN it stops with the step's name, the command, the tail of stderr and the hint", async () => {
    const root = testDir("run-fail");
    const error = await runner(root)
      .run(failing)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    const text = (error as StepError).format();
    expect(text).toContain('✗ step "images" failed');
    expect(text).toContain("command: sh -c 'for i in");
    expect(text).toContain("exit code 3");
    expect(text).toContain("ERROR: pull access denied");
    expect(text).toContain("line 40");
    expect(text).not.toContain("line 1\n");
    expect(text).toContain("hint: check the registry");
    expect(existsSync(join(root, "never"))).toBe(false);
  });

  it("WHEN the program does not exist THEN the failure says it is not installed", async () => {
    const root = testDir("run-missing");
    const missing: Plan = {
      mode: "up",
      cluster: "test",
      steps: [
        { name: "tools", title: "x", details: [], actions: [{ kind: "command", argv: ["stackwave-no-such-program"] }], hint: "install it" },
      ],
    };
    const error = (await runner(root)
      .run(missing)
      .catch((e: unknown) => e)) as StepError;
    expect(error.format()).toContain("stackwave-no-such-program is not installed or not on PATH");
  });
});

/** Waits until the command has written its pid to `file` (renamed into place, so never half written). */
async function startedPid(file: string, run: Promise<unknown>): Promise<number> {
  let ended = false;
  void run.finally(() => (ended = true));
  while (!existsSync(file)) {
    if (ended) throw new Error(`the run ended before the command wrote ${file}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Number(readFileSync(file, "utf8").trim());
}

describe("GIVEN a long-running command", () => {
  it("WHEN the run is interrupted THEN the command is stopped, the run ends with Interrupted and the next step never starts", async () => {
    const root = testDir("run-interrupt");
    const r = runner(root);
    const slow: Plan = {
      mode: "up",
      cluster: "test",
      steps: [
        {
          name: "slow",
          title: "sleeps",
          details: [],
          // Writes its pid once it runs (the event the test waits for), then becomes the sleep.
          actions: [{ kind: "command", argv: ["sh", "-c", "echo $$ > started.tmp && mv started.tmp started && exec sleep 30"] }],
          hint: "n/a",
        },
        { name: "after", title: "never", details: [], actions: [{ kind: "command", argv: ["touch", "after"] }], hint: "n/a" },
      ],
    };
    const running = r.run(slow).catch((e: unknown) => e);
    const pid = await startedPid(join(root, "started"), running);
    r.interrupt();
    expect(await running).toBeInstanceOf(Interrupted);
    expect(existsSync(join(root, "after"))).toBe(false);
    expect(() => process.kill(pid, 0), `sleep (pid ${pid}) still runs`).toThrow();
  });
});

describe("GIVEN an action guarded by several alternative checks", () => {
  it("WHEN any one of them holds THEN the action is skipped, and WHEN none does THEN it runs", async () => {
    const root = testDir("run-any");
    const guarded = (probes: ("true" | "false")[], file: string): Plan => ({
      mode: "up",
      cluster: "test",
      steps: [
        {
          name: "guarded",
          title: "x",
          details: [],
          actions: [
            {
              kind: "command",
              argv: ["touch", file],
              skipIf: {
                kind: "any",
                probes: probes.map((p) => ({ kind: "command", argv: [p], describe: p })),
                describe: probes.join(" or "),
              },
            },
          ],
          hint: "n/a",
        },
      ],
    });
    await runner(root).run(guarded(["false", "true"], "skipped"));
    await runner(root).run(guarded(["false", "false"], "ran"));
    expect(existsSync(join(root, "skipped"))).toBe(false);
    expect(existsSync(join(root, "ran"))).toBe(true);
  });
});

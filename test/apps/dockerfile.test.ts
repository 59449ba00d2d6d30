// Docker cannot run here, so the image rules are checked on the Dockerfiles' text.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { imageString, images } from "../../generators/versions.js";

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Instructions in order, with line continuations joined and comments dropped. */
function parse(text: string): Instruction[] {
  return text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

/** Every rule the issue sets for our images; returns the broken ones (empty when all hold). */
export function violations(text: string, base: string): string[] {
  const found: string[] = [];
  const instructions = parse(text);
  const stages: Instruction[][] = [];
  const names = new Set<string>();
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const [image = "", as, name] = instruction.args.replace(/--platform=\S+\s+/, "").split(/\s+/);
      if (!names.has(image.toLowerCase())) {
        if (image !== base) found.push(`FROM ${image}: expected the pinned ${base}`);
        if (/:latest$/.test(image) || !/:[^/]+$/.test(image)) found.push(`FROM ${image}: unpinned`);
      }
      if (as?.toUpperCase() === "AS" && name) names.add(name.toLowerCase());
      stages.push([]);
    }
    stages.at(-1)?.push(instruction);
    if (instruction.keyword === "ADD" && /(https?|git|ssh):\/\/|git@/.test(instruction.args)) {
      found.push(`ADD ${instruction.args}: remote ADD`);
    }
    if (instruction.keyword === "HEALTHCHECK") found.push("HEALTHCHECK: not allowed (Kubernetes probes do this)");
  }
  if (stages.length < 2) found.push("expected a multi-stage build");
  const users = (stages.at(-1) ?? []).filter((i) => i.keyword === "USER").map((i) => i.args);
  const user = users.at(-1);
  if (user === undefined) found.push("final stage: no USER");
  else if (!/^[1-9]\d*(:\d+)?$/.test(user)) found.push(`USER ${user}: expected a numeric non-root uid`);
  if (!instructions.some((i) => i.keyword === "RUN" && /npm ci\b.*--omit=dev/.test(i.args))) {
    found.push("no production-only install (npm ci --omit=dev)");
  }
  return found;
}

const base = imageString(images.node);

describe("GIVEN the rule checker", () => {
  it.each([
    ["an unpinned base", `FROM node AS b\nFROM node:latest\nUSER 10001\nRUN npm ci --omit=dev`, /unpinned/],
    ["another base", `FROM ${base} AS b\nFROM docker.io/library/node:22-slim\nUSER 10001\nRUN npm ci --omit=dev`, /expected the pinned/],
    ["a named root user", `FROM ${base} AS b\nFROM ${base}\nUSER node\nRUN npm ci --omit=dev`, /numeric non-root/],
    ["uid 0", `FROM ${base} AS b\nFROM ${base}\nUSER 0\nRUN npm ci --omit=dev`, /numeric non-root/],
    ["a USER only in the build stage", `FROM ${base} AS b\nUSER 10001\nFROM ${base}\nRUN npm ci --omit=dev`, /no USER/],
    ["a remote ADD", `FROM ${base} AS b\nFROM ${base}\nADD https://example.com/x.tgz /x\nUSER 10001\nRUN npm ci --omit=dev`, /remote ADD/],
    ["a HEALTHCHECK", `FROM ${base} AS b\nFROM ${base}\nHEALTHCHECK CMD true\nUSER 10001\nRUN npm ci --omit=dev`, /HEALTHCHECK/],
    ["one stage", `FROM ${base}\nUSER 10001\nRUN npm ci --omit=dev`, /multi-stage/],
    ["dev dependencies", `FROM ${base} AS b\nFROM ${base}\nRUN npm ci\nUSER 10001`, /production-only/],
  ])("WHEN a Dockerfile has %s THEN it is reported", (_name, text, pattern) => {
    expect(violations(text, base).join("\n")).toMatch(pattern);
  });
});

describe.each(["backend", "frontend", "git-server"])("GIVEN apps/%s/Dockerfile", (app) => {
  const path = `apps/${app}/Dockerfile`;
  const text = readFileSync(path, "utf8");

  it("WHEN its rules are checked THEN none is broken", () => {
    expect(violations(text, base)).toEqual([]);
  });

  it("WHEN read THEN it documents the build command from the repository root", () => {
    expect(text).toContain(`docker build -f ${path}`);
  });

  it("WHEN its Dockerfile.dockerignore is read THEN node_modules and build output stay out of the context", () => {
    // BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile; the context is the repository root.
    const ignore = `${path}.dockerignore`;
    expect(existsSync(ignore)).toBe(true);
    const patterns = readFileSync(ignore, "utf8");
    expect(patterns).toMatch(/^\*\*\/node_modules$/m);
    expect(patterns).toMatch(/^\*\*\/dist$/m);
  });
});

// The harness's pure parts: apt sources, host-port remapping, image build order.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { repoRoot } from "../../generators/paths.js";
import { afterEach, describe, expect, it } from "vitest";
import yaml from "js-yaml";
import { mirrorFor, parseSources } from "../../tools/images/debian.js";
import { buildOrder } from "../../tools/images/build.js";
import { allImages, kindImages, type ImageSpec } from "../../tools/images/list.js";
import { hostConfig, machinePatch } from "../../tools/kind/cluster.js";

describe("apt sources", () => {
  const text = `Types: deb
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://src.example/debian
Suites: trixie
`;
  it("reads deb stanzas and finds the suite's own mirror", () => {
    const sources = parseSources(text);
    expect(sources.map((s) => s.uri)).toEqual(["http://mirror.example/debian", "http://mirror.example/debian-security"]);
    expect(mirrorFor("bookworm", sources)).toBe("http://mirror.example/debian");
  });
  it("names the suite when no deb stanza serves it", () => {
    expect(() => mirrorFor("trixie", parseSources(text))).toThrow(/serves suite "trixie"/);
  });
});

describe("host ports of the kind config", () => {
  let held: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (held ? held.close(() => resolve()) : resolve())));

  it("keeps free ports and moves a busy one, adding only the machine's containerd patch", async () => {
    held = createServer();
    const busy = await new Promise<number>((resolve) =>
      held!.listen(0, "127.0.0.1", () => resolve((held!.address() as { port: number }).port)),
    );
    const config = {
      kind: "Cluster",
      name: "t",
      nodes: [{ role: "control-plane", extraPortMappings: [{ containerPort: 30080, hostPort: busy, listenAddress: "127.0.0.1" }] }],
    };
    const out = await hostConfig(yaml.dump(config));
    const moved = out.hostPorts.get(30080)!;
    expect(moved).not.toBe(busy);
    const parsed = yaml.load(out.config) as typeof config;
    expect(parsed.nodes[0]!.extraPortMappings[0]!.hostPort).toBe(moved);
    // The only other change: this machine's containerd patch, after the generated ones.
    const { containerdConfigPatches, ...rest } = parsed as typeof config & { containerdConfigPatches: string[] };
    expect(containerdConfigPatches).toEqual([machinePatch]);
    expect({ ...rest, nodes: [] }).toEqual({ ...config, nodes: [] });
    expect(parsed.nodes[0]!.role).toBe("control-plane");
  });
});

describe("image build order", () => {
  it("puts every image after what it needs, each once", () => {
    const order = buildOrder(["kind-node"]).map((s) => s.name);
    expect(new Set(order).size).toBe(order.length);
    for (const spec of kindImages) {
      if (!order.includes(spec.name)) continue;
      for (const need of spec.needs) expect(order.indexOf(need)).toBeLessThan(order.indexOf(spec.name));
    }
    expect(order.at(-1)).toBe("kind-node");
    expect(order).toEqual(expect.arrayContaining(kindImages.map((s) => s.name)));
  });
  it("rejects a cycle and an unknown image by name", () => {
    const spec = (name: string, needs: string[]): ImageSpec => ({
      name,
      reference: name,
      kind: "faithful",
      source: "",
      dockerfile: "",
      files: [],
      needs,
    });
    expect(() => buildOrder(["a"], [spec("a", ["b"]), spec("b", ["a"])])).toThrow(/cycle: a -> b -> a/);
    expect(() => buildOrder(["nope"])).toThrow(/unknown image "nope"/);
  });
});

describe("docs/kind.md", () => {
  it("lists every image of the list with whether it is faithful or a stand-in", () => {
    const doc = readFileSync(join(repoRoot, "docs", "kind.md"), "utf8");
    for (const spec of allImages) {
      const row = doc.split("\n").find((l) => l.startsWith(`| \`${spec.reference}\``));
      expect(row, spec.reference).toBeDefined();
      expect(row!.split("|")[2]!.trim()).toBe(spec.kind);
    }
  });
});

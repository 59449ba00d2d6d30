// registry 2.8.3's go.mod is written from the release's vendor.conf: every pinned module gets the version
// recorded for its commit, and a pin without one, or with a version of another commit, fails by name.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { goModuleDir } from "../../tools/cache/gomod.js";
import { parseVendorConf, registryVersion, vendorGoMod } from "../../tools/images/registry.js";
import { findTool, inCI } from "../support/tools.js";

describe("registry go.mod from vendor.conf", () => {
  it("parses module and revision, skipping comments and the repository column", () => {
    const pins = parseVendorConf(
      "# header\ngithub.com/a/b 0123456789abcdef0123456789abcdef01234567 https://example.invalid/fork.git # v1\n\ngopkg.in/yaml.v2 v2.2.1\n",
    );
    expect(pins).toEqual([
      { module: "github.com/a/b", revision: "0123456789abcdef0123456789abcdef01234567" },
      { module: "gopkg.in/yaml.v2", revision: "v2.2.1" },
    ]);
  });

  it("names the module with no recorded version and the one whose pseudo-version is of another commit", () => {
    const pins = [{ module: "github.com/a/b", revision: "0123456789abcdef0123456789abcdef01234567" }];
    expect(() => vendorGoMod(pins, {})).toThrow(/github\.com\/a\/b at 0123456789ab.*no entry in vendorVersions/);
    expect(() => vendorGoMod(pins, { "github.com/a/b": "v0.0.0-20200101000000-fedcba987654" })).toThrow(
      /vendorVersions\["github.com\/a\/b"\] is v0.0.0-20200101000000-fedcba987654; expected a version of commit 0123/,
    );
    expect(() => vendorGoMod([{ module: "gopkg.in/yaml.v2", revision: "v2.2.1" }], { "gopkg.in/yaml.v2": "v2.4.0" })).toThrow(
      /expected v2.2.1/,
    );
  });

  const go = findTool("go");
  if (!go && inCI) throw new Error("go is missing (CI=true: the registry pins must be checked)");
  it.skipIf(!go)("covers every pin of the release's own vendor.conf, as module github.com/docker/distribution", async () => {
    const dir = await goModuleDir("github.com/distribution/distribution", registryVersion);
    const mod = vendorGoMod(parseVendorConf(readFileSync(join(dir, "vendor.conf"), "utf8")));
    expect(mod).toMatch(/^module github\.com\/docker\/distribution$/m);
    expect(mod).toContain("\tgithub.com/sirupsen/logrus v1.0.1-0.20170620144510-3d4380f53a34\n");
    expect(mod).toContain("rsc.io/letsencrypt => ./letsencrypt");
  });
});

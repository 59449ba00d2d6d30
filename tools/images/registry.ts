// registry 2.8.3 (docker.io/library/registry) from github.com/distribution/distribution v2.8.3. The
// release predates Go modules: its zip has vendor.conf (module, commit) but no go.mod and no vendor/.
// The recipe writes the go.mod that vendor.conf describes, with each commit as the module version the
// proxy serves for it, and builds cmd/registry with the tags and stamps of upstream's Dockerfile.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BuildContext, Recipe } from "../cache/recipes.js";
import { imageString, localRegistry } from "../../generators/versions.js";
import type { ImageSpec } from "./list.js";

const module = "github.com/distribution/distribution";
/** The import path the v2 packages use. */
const importPath = "github.com/docker/distribution";
const tag = localRegistry.image.tag;
export const registryVersion = `v${tag}+incompatible`;
/** The commit v2.8.3 is (the module's .info Origin). */
const revision = "4772604ae973031ab32dd9805a4bccf61d94909f";

/**
 * The module version the proxy serves for each vendor.conf commit. The proxy answers no query by
 * commit, so each was read from the project's history: a pseudo-version (the commit's own time and
 * prefix, checked against vendor.conf at build time) or the release tag that commit is.
 */
export const vendorVersions: Readonly<Record<string, string>> = {
  "github.com/Azure/azure-sdk-for-go": "v16.2.1+incompatible",
  "github.com/Azure/go-autorest": "v10.8.1+incompatible",
  "github.com/sirupsen/logrus": "v1.0.1-0.20170620144510-3d4380f53a34",
  "github.com/aws/aws-sdk-go": "v1.15.11",
  "github.com/bshuster-repo/logrus-logstash-hook": "v0.0.0-20170517171303-d2c0ecc1836d",
  "github.com/beorn7/perks": "v0.0.0-20160804104726-4c0e84591b9a",
  "github.com/bugsnag/bugsnag-go": "v0.0.0-20141110184014-b1d153021fcd",
  "github.com/bugsnag/osext": "v0.0.0-20130617224835-0dd3f918b21b",
  "github.com/bugsnag/panicwrap": "v0.0.0-20151223152923-e2c28503fcd0",
  "github.com/denverdino/aliyungo": "v0.0.0-20161108032828-afedced274aa",
  // vendor.conf fetches this path from github.com/golang-jwt/jwt at v3.2.2 (replaced below).
  "github.com/dgrijalva/jwt-go": "v3.2.2+incompatible",
  "github.com/distribution/reference": "v0.5.0",
  "github.com/docker/go-metrics": "v0.0.0-20180209012529-399ea8c73916",
  "github.com/docker/libtrust": "v0.0.0-20150114040149-fa567046d9b1",
  "github.com/garyburd/redigo": "v0.0.0-20150301180006-535138d7bcd7",
  "github.com/go-ini/ini": "v1.21.2-0.20161120031036-2ba15ac2dc9c",
  "github.com/golang/protobuf": "v0.0.0-20160321223353-8d92cf5fc15a",
  "github.com/gorilla/handlers": "v0.0.0-20150720190736-60c7bfde3e33",
  "github.com/gorilla/mux": "v1.3.1-0.20170228224354-599cba5e7b61",
  "github.com/inconshreveable/mousetrap": "v1.0.0",
  "github.com/jmespath/go-jmespath": "v0.0.0-20160803190731-bd40a432e4c7",
  "github.com/marstr/guid": "v1.1.0",
  "github.com/satori/go.uuid": "v1.2.0",
  "github.com/matttproud/golang_protobuf_extensions": "v1.0.0",
  "github.com/miekg/dns": "v0.0.0-20161122061214-271c58e0c14f",
  "github.com/mitchellh/mapstructure": "v0.0.0-20150528213339-482a9fd5fa83",
  "github.com/ncw/swift": "v1.0.40",
  "github.com/prometheus/client_golang": "v0.9.0-pre1.0.20180209125602-c332b6f63c06",
  "github.com/prometheus/client_model": "v0.0.0-20171117100541-99fa1f4be8e5",
  "github.com/prometheus/common": "v0.0.0-20180110214958-89604d197083",
  "github.com/prometheus/procfs": "v0.0.0-20180125133057-cb4147076ac7",
  "github.com/Shopify/logrus-bugsnag": "v0.0.0-20171204204709-577dee27f20d",
  "github.com/spf13/cobra": "v0.0.0-20150605180824-312092086bed",
  "github.com/spf13/pflag": "v0.0.0-20150601220040-564482062245",
  "github.com/xenolf/lego": "v0.3.2-0.20160613233155-a9d8cec0e656",
  "github.com/yvasiyarov/go-metrics": "v0.0.0-20140926110328-57bccd1ccd43",
  "github.com/yvasiyarov/gorelic": "v0.0.0-20141212073537-a9bba5b9ab50",
  "github.com/yvasiyarov/newrelic_platform_go": "v0.0.0-20140908184405-b21fdbd4370f",
  "golang.org/x/crypto": "v0.0.0-20150531185727-c10c31b5e94b",
  "golang.org/x/net": "v0.0.0-20160322021652-4876518f9e71",
  "golang.org/x/oauth2": "v0.0.0-20160304213135-045497edb623",
  "golang.org/x/time": "v0.0.0-20160202183820-a4bde1265759",
  "google.golang.org/api": "v0.0.0-20160322025152-9bf6e6e569ff",
  "google.golang.org/appengine": "v0.0.0-20160301025000-12d5545dc1cf",
  "google.golang.org/cloud": "v0.0.0-20151119220103-975617b05ea8",
  "google.golang.org/grpc": "v0.0.0-20160317175043-d3ddb4469d5a",
  "gopkg.in/check.v1": "v1.0.0-20141024133853-64131543e789",
  "gopkg.in/square/go-jose.v1": "v1.0.1",
  "gopkg.in/yaml.v2": "v2.2.1",
  "rsc.io/letsencrypt": "v0.0.0-20161112011014-e770c10b0f1a",
  "github.com/opencontainers/go-digest": "v1.0.0",
  "github.com/opencontainers/image-spec": "v1.0.2",
};

/** vendor.conf's fork of jwt-go is a published module; its Let's Encrypt fork is served by no proxy. */
const replaces = ["github.com/dgrijalva/jwt-go => github.com/golang-jwt/jwt v3.2.2+incompatible", "rsc.io/letsencrypt => ./letsencrypt"];

/** Let's Encrypt's dependencies: only the replaced package imports them, so they are left out. */
const onlyLetsEncrypt = new Set(["github.com/xenolf/lego", "gopkg.in/square/go-jose.v1"]);

export interface VendorPin {
  readonly module: string;
  readonly revision: string;
}

/** The `module revision [repository] [# comment]` lines of a vendor.conf. */
export function parseVendorConf(text: string): VendorPin[] {
  return text
    .split("\n")
    .map((l) => l.replace(/#.*$/, "").trim())
    .filter(Boolean)
    .map((l) => {
      const [module, revision] = l.split(/\s+/);
      if (!module || !revision) throw new Error(`vendor.conf line "${l}": expected "module revision"`);
      return { module, revision };
    });
}

/** The go.mod vendor.conf describes; throws naming a module that has no version or a wrong one. */
export function vendorGoMod(pins: readonly VendorPin[], versions: Readonly<Record<string, string>> = vendorVersions): string {
  const requires = pins
    .filter((p) => !onlyLetsEncrypt.has(p.module))
    .map((p) => {
      const version = versions[p.module];
      if (!version) throw new Error(`vendor.conf pins ${p.module} at ${p.revision}: no entry in vendorVersions`);
      const pseudo = /-([0-9a-f]{12})$/.exec(version);
      if (pseudo && !p.revision.startsWith(pseudo[1]!)) {
        throw new Error(`vendorVersions["${p.module}"] is ${version}; expected a version of commit ${p.revision}`);
      }
      if (/^[0-9a-f]{40}$/.test(p.revision) || version === p.revision || pseudo) return `\t${p.module} ${version}\n`;
      throw new Error(`vendorVersions["${p.module}"] is ${version}; expected ${p.revision}`);
    });
  return [
    "// Written by tools/images/registry.ts from the release's vendor.conf.",
    `module ${importPath}`,
    "",
    // The language version of the Go the release was built with (its Dockerfile's GO_VERSION 1.20.8).
    "go 1.20",
    "",
    `require (\n${requires.join("")})`,
    "",
    `replace (\n${replaces.map((r) => `\t${r}\n`).join("")})`,
    "",
  ].join("\n");
}

/**
 * The one package of rsc.io/letsencrypt that registry.go uses, written by us: its pinned fork
 * (github.com/dmcgowan/letsencrypt) is served by no proxy. A configuration that asks for Let's Encrypt
 * fails at start with this message; every other TLS setting is the release's own code.
 */
const letsEncryptGo = `// Written by tools/images/registry.ts: the pinned fork of rsc.io/letsencrypt is not served.
package letsencrypt

import (
	"crypto/tls"
	"errors"
)

var errMissing = errors.New("http.tls.letsencrypt is not supported by this build (its module is not served); use http.tls.certificate and http.tls.key")

// Manager refuses every use.
type Manager struct{}

func (m *Manager) CacheFile(string) error                  { return errMissing }
func (m *Manager) Registered() bool                         { return false }
func (m *Manager) Register(string, func(string) bool) error { return errMissing }
func (m *Manager) SetHosts([]string)                        {}
func (m *Manager) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return nil, errMissing
}
`;

/** The tool-cache recipe: bin/registry. */
export const registryRecipe: Recipe = {
  name: "registry",
  version: `v${tag}`,
  binaries: ["registry"],
  async build(ctx: BuildContext) {
    const info = JSON.parse(await ctx.go(["mod", "download", "-json", `${module}@${registryVersion}`])) as { Dir: string };
    cpSync(info.Dir, ctx.src, { recursive: true });
    // The module cache stores the tree read-only.
    execFileSync("chmod", ["-R", "u+w", ctx.src]);
    writeFileSync(join(ctx.src, "go.mod"), vendorGoMod(parseVendorConf(readFileSync(join(ctx.src, "vendor.conf"), "utf8"))));
    mkdirSync(join(ctx.src, "letsencrypt"), { recursive: true });
    writeFileSync(join(ctx.src, "letsencrypt", "go.mod"), "module rsc.io/letsencrypt\n\ngo 1.20\n");
    writeFileSync(join(ctx.src, "letsencrypt", "lets.go"), letsEncryptGo);
    // Upstream's Dockerfile: BUILDTAGS, and the version package stamped from `git describe`.
    const v = `${importPath}/version`;
    await ctx.go([
      "build",
      "-tags=include_oss,include_gcs",
      "-trimpath",
      `-ldflags=-X ${v}.Version=${tag} -X ${v}.Revision=${revision} -X ${v}.Package=${importPath} -s -w`,
      "-o",
      join(ctx.bin, "registry"),
      "./cmd/registry",
    ]);
  },
};

/** docker.io/library/registry:2.8.3, laid out as the official image (distribution-library-image). */
export const registryImage: ImageSpec = {
  name: "registry",
  reference: imageString(localRegistry.image),
  kind: "faithful",
  source: `${module} ${registryVersion} (cmd/registry, vendor.conf's dependency versions)`,
  difference:
    "Debian bookworm-slim instead of Alpine 3.18 as the base; built with the local Go, not 1.20.8; http.tls.letsencrypt is refused at start (its pinned fork is not served), so github.com/xenolf/lego and go-jose are not linked",
  dockerfile: "tools/images/dockerfiles/registry.Dockerfile",
  files: [
    { tool: "registry", version: `v${tag}`, binary: "registry" },
    { repo: "tools/images/dockerfiles/registry-entrypoint.sh", as: "entrypoint.sh" },
    { repo: "tools/images/dockerfiles/registry-config.yml", as: "config.yml" },
  ],
  needs: ["debian"],
};

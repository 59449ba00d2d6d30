// debian:bookworm-slim (and trixie-slim) from the Debian mirror: debootstrap a minbase rootfs, slim it the way the
// official image is slimmed (no docs, man pages or locales), and `docker import` it.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../cache/command.js";
import type { Docker } from "../kind/docker/daemon.js";

/** One Debian suite as configured in /etc/apt/sources.list.d (deb822 stanzas). */
export interface AptSource {
  readonly uri: string;
  readonly suites: readonly string[];
  readonly components: readonly string[];
  readonly signedBy?: string;
}

/** The `Types: deb` stanzas of a deb822 sources file. */
export function parseSources(text: string): AptSource[] {
  return text
    .split(/\n\s*\n/)
    .map((stanza) => {
      const field = (name: string) =>
        stanza
          .split("\n")
          .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
          ?.slice(name.length + 1)
          .trim();
      return {
        types: field("Types"),
        uri: field("URIs"),
        suites: field("Suites"),
        components: field("Components"),
        signedBy: field("Signed-By"),
      };
    })
    .filter((s) => s.types?.split(/\s+/).includes("deb") && s.uri && s.suites)
    .map((s) => ({
      uri: s.uri!.split(/\s+/)[0]!,
      suites: s.suites!.split(/\s+/),
      components: (s.components ?? "main").split(/\s+/),
      ...(s.signedBy ? { signedBy: s.signedBy } : {}),
    }));
}

/** The machine's apt sources (every *.sources file of /etc/apt/sources.list.d). */
export function machineSources(dir = "/etc/apt/sources.list.d"): AptSource[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sources"))
    .flatMap((f) => parseSources(readFileSync(join(dir, f), "utf8")));
}

/** The mirror that serves `suite` itself (not -updates or -security). */
export function mirrorFor(suite: string, sources: readonly AptSource[] = machineSources()): string {
  const source = sources.find((s) => s.suites.includes(suite));
  if (!source)
    throw new Error(
      `no apt source in /etc/apt/sources.list.d serves suite "${suite}" (expected a Types: deb stanza with Suites: ${suite})`,
    );
  return source.uri;
}

/** What the base image is and where it comes from. */
export interface DebianImage {
  readonly suite: string;
  /** Reference it is tagged with, the one Dockerfiles use in FROM. */
  readonly reference: string;
}

export const bookwormSlim: DebianImage = { suite: "bookworm", reference: "docker.io/library/debian:bookworm-slim" };
/** For images whose upstream base is newer than bookworm (Argo CD's Ubuntu 25.04: coreutils 9.5). */
export const trixieSlim: DebianImage = { suite: "trixie", reference: "docker.io/library/debian:trixie-slim" };

/**
 * The apt sources of `suite`: the machine's own stanzas for it, or, when the machine is on another
 * release, its stanzas with that release's name replaced (the same archive serves every suite).
 */
export function suiteSources(suite: string, sources: readonly AptSource[]): AptSource[] {
  const own = sources.filter((s) => s.suites.some((x) => x === suite || x.startsWith(`${suite}-`)));
  if (own.length) return own;
  const release = sources[0]?.suites[0]?.split("-")[0];
  if (!release) throw new Error(`no apt source in /etc/apt/sources.list.d to derive suite "${suite}" from`);
  return sources
    .filter((s) => s.suites.some((x) => x === release || x.startsWith(`${release}-`)))
    .map((s) => ({ ...s, suites: s.suites.map((x) => x.replace(release, suite)) }));
}

/** Label holding the Debian point release (/etc/debian_version) an image was built from. */
export const versionLabel = "org.stackwave.debian-version";
/** Bumped when the recipe changes, so a cached image from an older recipe is rebuilt. */
const recipeLabel = "org.stackwave.debian-recipe";
const recipeRevision = "2";
/** The official image's only environment. */
const path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Files the official slim image leaves out; dpkg keeps them out of later installs too. */
const slimDpkg = `# stackwave: keep the image slim, as the official debian:*-slim images do
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
`;

/** The point release of an image already in Docker, or undefined when it is not there. */
async function builtVersion(docker: Docker, reference: string): Promise<string | undefined> {
  try {
    const out = await docker.docker([
      "image",
      "inspect",
      "--format",
      `{{ index .Config.Labels "${versionLabel}" }} {{ index .Config.Labels "${recipeLabel}" }}`,
      reference,
    ]);
    const [version, revision] = out.trim().split(" ");
    return version && revision === recipeRevision ? version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds the image unless Docker already has it from this recipe (labels: the point release and the recipe
 * revision; pass `rebuild` to debootstrap again). Returns the point release and whether it was built.
 */
export async function ensureDebian(
  docker: Docker,
  image: DebianImage = bookwormSlim,
  options: { readonly rebuild?: boolean; readonly log?: string } = {},
): Promise<{ readonly version: string; readonly built: boolean }> {
  const cached = options.rebuild ? undefined : await builtVersion(docker, image.reference);
  if (cached) return { version: cached, built: false };
  const sources = suiteSources(image.suite, machineSources());
  const mirror = mirrorFor(image.suite, sources);
  const root = mkdtempSync(join(tmpdir(), "stackwave-debootstrap-"));
  try {
    await run(["debootstrap", "--variant=minbase", image.suite, root, mirror], { log: options.log });
    mkdirSync(join(root, "etc/dpkg/dpkg.cfg.d"), { recursive: true });
    writeFileSync(join(root, "etc/dpkg/dpkg.cfg.d/docker"), slimDpkg);
    // apt as in the official image: the suite, its updates and security, from the machine's mirrors.
    const stanzas = sources.map(
      (s) =>
        `Types: deb\nURIs: ${s.uri}\nSuites: ${s.suites.join(" ")}\nComponents: ${s.components.join(" ")}\n${s.signedBy ? `Signed-By: ${s.signedBy}\n` : ""}`,
    );
    rmSync(join(root, "etc/apt/sources.list"), { force: true });
    writeFileSync(join(root, "etc/apt/sources.list.d/debian.sources"), stanzas.join("\n"));
    await run(["chroot", root, "apt-get", "clean"], { log: options.log });
    for (const dir of [
      "usr/share/doc",
      "usr/share/man",
      "usr/share/info",
      "usr/share/locale",
      "var/lib/apt/lists",
      "var/cache/apt",
      "var/log",
    ]) {
      const path = join(root, dir);
      if (existsSync(path))
        await run(["find", path, "-mindepth", "1", "-not", "-name", "copyright", "-delete"], { log: options.log }).catch(() => undefined);
    }
    const version = readFileSync(join(root, "etc/debian_version"), "utf8").trim();
    const tar = join(root, "..", `${root.split("/").pop()}.tar`);
    await run(["tar", "--numeric-owner", "-C", root, "-cf", tar, "."]);
    try {
      await docker.docker([
        "import",
        "--change",
        `LABEL ${versionLabel}=${version} ${recipeLabel}=${recipeRevision}`,
        "--change",
        `ENV PATH=${path}`,
        "--change",
        'CMD ["bash"]',
        tar,
        image.reference,
      ]);
    } finally {
      rmSync(tar, { force: true });
    }
    return { version, built: true };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

// The node's image pins in generators/versions.ts are what upstream pins: kubeadm's constants for etcd,
// CoreDNS and pause, kind's node-image build for kindnetd and local-path, and kind's base for crictl.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliTools, goTools, imageString, kindBaseTools, kindNodeImages } from "../../generators/versions.js";
import { goModuleDir } from "../../tools/cache/gomod.js";
import { findTool, inCI } from "../support/tools.js";

const go = findTool("go");
if (!go && inCI) throw new Error("go is missing (CI=true: the pin checks must run)");
if (!go) console.warn("skipped: pin checks need go to read the Kubernetes and kind modules");

describe.skipIf(!go)("Kind node pins match upstream", () => {
  it("match kubeadm's etcd, CoreDNS and pause for this Kubernetes minor", async () => {
    const dir = await goModuleDir(goTools.kubernetes.module, goTools.kubernetes.version);
    const constants = readFileSync(join(dir, "cmd/kubeadm/app/constants/constants.go"), "utf8");
    const minor = Number(goTools.kubernetes.version.split(".")[1]);
    expect(constants).toMatch(new RegExp(`\\b${minor}: "${kindNodeImages.etcd.image.tag}"`));
    expect(constants).toMatch(new RegExp(`CoreDNSVersion = "${kindNodeImages.coredns.image.tag}"`));
    expect(constants).toMatch(new RegExp(`PauseVersion = "${kindNodeImages.pause.image.tag}"`));
    expect(kindNodeImages.etcd.image.tag).toBe(`${kindNodeImages.etcd.source.slice(1)}-0`);
  });

  it("match the kindnetd, local-path and crictl references of the pinned kind", async () => {
    const dir = await goModuleDir("sigs.k8s.io/kind", cliTools.kind);
    const cni = readFileSync(join(dir, "pkg/build/nodeimage/const_cni.go"), "utf8");
    const storage = readFileSync(join(dir, "pkg/build/nodeimage/const_storage.go"), "utf8");
    const base = readFileSync(join(dir, "images/base/Dockerfile"), "utf8");
    expect(cni).toContain(`kindnetdImage = "${imageString(kindNodeImages.kindnetd.image)}"`);
    expect(storage).toContain(`storageProvisionerImage = "${imageString(kindNodeImages.localPathProvisioner.image)}"`);
    expect(storage).toContain(`storageHelperImage = "${imageString(kindNodeImages.localPathHelper.image)}"`);
    expect(base).toContain(`CRICTL_VERSION="${kindBaseTools.crictl.pinned}"`);
    const localPath = readFileSync(join(dir, "images/local-path-provisioner/Makefile"), "utf8");
    expect(localPath).toMatch(new RegExp(`^VERSION=${kindNodeImages.localPathProvisioner.source}$`, "m"));
  });
});

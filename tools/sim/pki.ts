// A throwaway PKI for the simulated control plane: one CA, the API server's serving certificate, an
// admin client certificate (group system:masters) and the service-account signing key. Made with openssl.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../cache/command.js";

export interface Pki {
  readonly ca: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
}

/** Names the serving certificate answers to: loopback plus the in-cluster names and first service IP. */
const serverNames = [
  "IP:127.0.0.1",
  "IP:10.96.0.1",
  "DNS:localhost",
  "DNS:kubernetes",
  "DNS:kubernetes.default",
  "DNS:kubernetes.default.svc",
  "DNS:kubernetes.default.svc.cluster.local",
];

/** Writes the PKI into `dir` (valid for 7 days: the cluster is disposable). */
export async function makePki(dir: string): Promise<Pki> {
  const f = (name: string) => join(dir, name);
  const pki: Pki = {
    ca: f("ca.crt"),
    caKey: f("ca.key"),
    serverCert: f("apiserver.crt"),
    serverKey: f("apiserver.key"),
    adminCert: f("admin.crt"),
    adminKey: f("admin.key"),
    serviceAccountKey: f("sa.key"),
    serviceAccountPub: f("sa.pub"),
  };
  const days = "7";
  await run([
    "openssl",
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    days,
    "-subj",
    "/CN=stackwave-sim-ca",
    "-keyout",
    pki.caKey,
    "-out",
    pki.ca,
  ]);
  const issue = async (name: string, subject: string, ext: string) => {
    writeFileSync(f(`${name}.ext`), ext);
    await run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", f(`${name}.key`), "-out", f(`${name}.csr`)]);
    await run([
      "openssl",
      "x509",
      "-req",
      "-in",
      f(`${name}.csr`),
      "-CA",
      pki.ca,
      "-CAkey",
      pki.caKey,
      "-CAcreateserial",
      "-days",
      days,
      "-extfile",
      f(`${name}.ext`),
      "-out",
      f(`${name}.crt`),
    ]);
  };
  await issue("apiserver", "/CN=kube-apiserver", `extendedKeyUsage=serverAuth\nsubjectAltName=${serverNames.join(",")}\n`);
  await issue("admin", "/O=system:masters/CN=stackwave-admin", "extendedKeyUsage=clientAuth\n");
  await run(["openssl", "genrsa", "-out", pki.serviceAccountKey, "2048"]);
  await run(["openssl", "rsa", "-in", pki.serviceAccountKey, "-pubout", "-out", pki.serviceAccountPub]);
  return pki;
}

/** A kubeconfig for the admin identity; file paths, so it stays small and readable. */
export function kubeconfig(pki: Pki, server: string, namespace = "default"): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: sim",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority: ${pki.ca}`,
    "users:",
    "- name: admin",
    "  user:",
    `    client-certificate: ${pki.adminCert}`,
    `    client-key: ${pki.adminKey}`,
    "contexts:",
    "- name: sim",
    "  context:",
    "    cluster: sim",
    "    user: admin",
    `    namespace: ${namespace}`,
    "current-context: sim",
    "",
  ].join("\n");
}

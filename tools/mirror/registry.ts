// The few calls of the registry API (OCI distribution spec) the mirror needs: does it answer, and does it
// hold a tag. Plain HTTP on purpose: the local registry listens on 127.0.0.1 only.
import { parseReference } from "../../generators/clusters/mirror.js";

/** Every manifest type a pushed image can have, so the registry answers 200 rather than 404 for a list. */
export const manifestAccept = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
].join(", ");

/** The URL of `reference`'s manifest in the mirror at `host`: the upstream registry is the path prefix. */
export function manifestURL(host: string, reference: string): string {
  const image = parseReference(reference);
  return `http://${host}/v2/${image.registry}/${image.repository}/manifests/${image.tag}`;
}

/** Whether the registry answers `/v2/` (200, or 401 from one that wants a login). */
export async function registryAnswers(host: string, timeoutMs = 3_000): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(timeoutMs) });
    return response.status === 200 || response.status === 401;
  } catch {
    return false;
  }
}

/** HEAD of the manifest: true on 200, false on 404; anything else is an error naming the URL. */
export async function hasImage(host: string, reference: string, timeoutMs = 5_000): Promise<boolean> {
  const url = manifestURL(host, reference);
  const response = await fetch(url, { method: "HEAD", headers: { Accept: manifestAccept }, signal: AbortSignal.timeout(timeoutMs) });
  if (response.status === 200) return true;
  if (response.status === 404) return false;
  throw new Error(`HEAD ${url}: expected 200 or 404, got ${response.status}`);
}

/** The references the mirror at `host` lacks, in the order given (a few requests at a time). */
export async function missingFrom(host: string, references: readonly string[]): Promise<string[]> {
  const present = await Promise.all(references.map((r) => hasImage(host, r)));
  return references.filter((_, i) => !present[i]);
}

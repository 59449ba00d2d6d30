// Temp folders for tests, removed however the test ends: pass, fail or timeout.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, onTestFinished } from "vitest";

const make = (prefix: string) => mkdtempSync(join(tmpdir(), `stackwave-${prefix}-`));
const remove = (dir: string) => rmSync(dir, { recursive: true, force: true });

/** A fresh folder for the running test; call it inside `it`. Removed when that test finishes. */
export function testDir(prefix: string): string {
  const dir = make(prefix);
  onTestFinished(() => remove(dir));
  return dir;
}

/**
 * A folder shared by the tests of one describe block; call it in the block's body. It is made before
 * the block's first test and removed after its last, so a filtered-out block leaves nothing behind.
 * The returned function gives the path (only while the block runs).
 */
export function suiteDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    dir = make(prefix);
  });
  afterAll(() => {
    if (dir) remove(dir);
    dir = undefined;
  });
  return () => {
    if (!dir) throw new Error(`suiteDir(${prefix}) read outside its describe block's tests`);
    return dir;
  };
}

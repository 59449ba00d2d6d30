// Writes one benchmark's figures into docs/benchmarks.md under its own section, leaving the others alone.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const file = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "docs", "benchmarks.md");
const title = "# Benchmarks\n\nEach section is written by its own `npm run bench:*` command; rerun it to refresh.\n";

/** The median of a non-empty sample. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of an empty sample");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The machine line every section carries, so figures are never quoted without their context. */
export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

/**
 * Replaces the `## heading` section of docs/benchmarks.md with `body` (markdown), stamped with the
 * machine and the date, and prints it.
 */
export function writeSection(heading: string, body: string): void {
  const stamp = `_Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}._`;
  const section = `## ${heading}\n\n${stamp}\n\n${body.trim()}\n`;
  let current = title;
  try {
    current = readFileSync(file, "utf8");
  } catch {
    mkdirSync(dirname(file), { recursive: true });
  }
  const parts = current.split(/^(?=## )/m);
  const head = parts[0] ?? title;
  const sections = parts
    .slice(1)
    .filter((part) => !part.startsWith(`## ${heading}\n`))
    .map((part) => part.trim() + "\n");
  sections.push(section);
  sections.sort((a, b) => a.localeCompare(b));
  writeFileSync(file, [head.trimEnd() + "\n", ...sections].join("\n"));
  console.log(section);
}

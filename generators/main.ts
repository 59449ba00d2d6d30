// npm run generate: validate the config, render every layer and cluster, then write once.
// `--help` prints the flags. Usage errors print one line and the usage and exit 2.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { layerNames } from "./config.js";
import { generate } from "./generate.js";
import { repoRoot } from "./paths.js";
import { defaultConfig } from "./stack.js";

const usage = `usage: npm run generate -- [--config <file.json>] [--out <dir>] [--only <layer,...>]
       npm run generate -- --print-config [<file.json>]
  --print-config [<file>]  write the built-in config (generators/stack.ts) as JSON to <file>, or to stdout
                           (then use \`npm run -s\`, or npm's banner lands in the output)
  --config <file.json>     generate from an edited copy instead. The result is for trying things out:
                           npm run check and the pre-commit hook regenerate from generators/stack.ts and
                           revert it, so use --out, or change stack.ts to keep a change
  --out <dir>              write base/ overlays/ clusters/ under <dir> instead of the repository root
  --only <layer,...>       rewrite only these layers' base and overlays (${layerNames.join(", ")})
  --help                   print this`;

/** A bad command line: one line, then the usage, exit 2. */
class UsageError extends Error {}

interface Options {
  readonly help: boolean;
  readonly config?: string;
  /** Print the config: to stdout (`true`) or to this file. */
  readonly printConfig?: true | string;
  readonly out?: string;
  readonly only?: readonly string[];
}

function parseOptions(argv: readonly string[]): Options {
  const parse = () =>
    parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: "string" },
        "print-config": { type: "boolean", default: false },
        out: { type: "string" },
        only: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    // node:util's messages name the flag ("Unknown option '--bogus'", "Option '--only <value>' argument missing").
    throw new UsageError((error as Error).message.split("\n")[0]!.replace(/\. To specify a positional argument.*$/, ""));
  }
  const { values, positionals } = parsed;
  for (const flag of ["config", "out", "only"] as const)
    if (values[flag] !== undefined && (values[flag] === "" || values[flag].startsWith("-")))
      throw new UsageError(`--${flag} expects a value, got ${values[flag] === "" ? "nothing" : `"${values[flag]}"`}`);
  if (positionals.length > (values["print-config"] ? 1 : 0))
    throw new UsageError(`unexpected argument "${positionals.at(-1)}" (only --print-config takes a file without a flag)`);
  const only = values.only?.split(",").map((s) => s.trim());
  const unknown = only?.filter((layer) => !(layerNames as readonly string[]).includes(layer)) ?? [];
  if (unknown.length > 0) throw new UsageError(`--only expects layers from ${layerNames.join(", ")}, got ${unknown.join(", ")}`);
  return {
    help: values.help,
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values["print-config"] ? { printConfig: positionals[0] ?? true } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(only ? { only } : {}),
  };
}

function main(argv: readonly string[]): number {
  const started = performance.now();
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`usage error: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  let config: unknown;
  try {
    config = options.config ? JSON.parse(readFileSync(options.config, "utf8")) : defaultConfig();
  } catch (error) {
    console.error(`config error: ${options.config}: expected a readable JSON file, got ${(error as Error).message}`);
    return 1;
  }
  if (options.printConfig) {
    const json = `${JSON.stringify(config, null, 2)}\n`;
    if (options.printConfig === true) process.stdout.write(json);
    else {
      writeFileSync(options.printConfig, json);
      console.error(`wrote the config to ${options.printConfig}; generate from it with --config ${options.printConfig}`);
    }
    return 0;
  }

  const result = generate({ config, root: resolve(options.out ?? repoRoot), ...(options.only ? { only: options.only } : {}) });
  if (!result.ok) {
    for (const line of result.problems) console.error(line);
    console.error(`generation failed: ${result.problems.length} problem(s); nothing was written`);
    return 1;
  }
  const { written, unchanged, deleted } = result.summary;
  const where = options.only ? `layers ${options.only.join(", ")}` : "base/ overlays/ clusters/";
  const ms = Math.round(performance.now() - started);
  console.log(`generated ${result.files} files in ${where}: ${written} written, ${unchanged} unchanged, ${deleted} deleted (${ms} ms)`);
  if (options.config && !options.out)
    console.log(
      `note: generated from ${options.config}; npm run check and the pre-commit hook regenerate from generators/stack.ts and would undo this`,
    );
  return 0;
}

process.exitCode = main(process.argv.slice(2));

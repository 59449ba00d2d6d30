// Type-checks a few files the way `npm run typecheck` would (the repository's tsconfig.json), reporting
// only their own errors. The pre-commit hook runs it on staged generator files: tsx strips types without
// checking them, so `resources("120", …)` would otherwise regenerate and commit.
import { join } from "node:path";
import ts from "typescript";

/** One line per type error in `files` (repo-relative), `path:line:col: message`; empty when they check. */
export function typeErrors(root: string, files: readonly string[]): string[] {
  if (files.length === 0) return [];
  const configPath = join(root, "tsconfig.json");
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) return [ts.flattenDiagnosticMessageText(read.error.messageText, "\n")];
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, { noEmit: true }, configPath);
  const rootNames = files.map((file) => join(root, file));
  const program = ts.createProgram({ rootNames, options: parsed.options });
  return rootNames.flatMap((name) => {
    const source = program.getSourceFile(name);
    if (!source) return [`${name}: not found`];
    return ts.getPreEmitDiagnostics(program, source).map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const path = d.file ? d.file.fileName.slice(root.length + 1) : name;
      return `${path}${where ? `:${where.line + 1}:${where.character + 1}` : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
    });
  });
}

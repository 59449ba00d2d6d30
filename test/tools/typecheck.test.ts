// tools/dev/typecheck.ts: tsgo's diagnostics become `path:line:col: message` lines for the checked files only.
import { describe, expect, it } from "vitest";
import { parseDiagnostics } from "../../tools/dev/typecheck.js";

describe("GIVEN tsgo's plain diagnostics", () => {
  const output = [
    "generators/components/a.ts(12,5): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.",
    "node_modules/x/index.d.ts(1,1): error TS1005: ';' expected.",
    "generators/layers/b.ts(3,9): error TS2322: Type 'number' is not assignable to type 'string'.",
    "  The expected type comes from property 'name'.",
    "",
  ].join("\n");

  it("WHEN they name checked and other files THEN only the checked files' errors are kept, continuations joined", () => {
    expect(parseDiagnostics(output, new Set(["generators/components/a.ts", "generators/layers/b.ts"]))).toEqual([
      "generators/components/a.ts:12:5: Argument of type 'string' is not assignable to parameter of type 'number'.",
      "generators/layers/b.ts:3:9: Type 'number' is not assignable to type 'string'. The expected type comes from property 'name'.",
    ]);
  });

  it("WHEN none names a checked file THEN there is nothing to report", () => {
    expect(parseDiagnostics(output, new Set(["generators/other.ts"]))).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ferretdbBin } from "../support/ferretdb.js";
import { postJson, startStack, type Stack } from "./fixture.js";

describe.skipIf(!ferretdbBin)("GIVEN the backend on a real FerretDB with an empty collection", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("WHEN 500 POSTs are sent at once THEN all 500 succeed and exactly 500 distinct messages are stored", async () => {
    const statuses = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        postJson(stack.backend.url, { author: "load", message: `concurrent ${i}` }).then(async (res) => {
          await res.body?.cancel();
          return res.status;
        }),
      ),
    );
    const causes = stack.backend.logs.filter((entry) => entry.level !== "info").map((entry) => entry.error);
    expect({ failed: statuses.filter((status) => status !== 201), causes }).toEqual({ failed: [], causes: [] });
    expect(await stack.messages.countDocuments({ author: "load" })).toBe(500);
    expect((await stack.messages.distinct("message", { author: "load" })).length).toBe(500);
  });
});

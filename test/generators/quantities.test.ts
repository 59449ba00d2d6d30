// Resource sizes in rendered objects: the models accept any string, so validate.ts checks them.
import { describe, expect, it } from "vitest";
import { quantityValue, resourceProblems } from "../../generators/validate.js";

const pod = (resources: object) => ({ spec: { template: { spec: { containers: [{ name: "c", resources }] } } } });

describe("GIVEN Kubernetes quantities", () => {
  it.each([
    ["100m", 0.1],
    ["0.5", 0.5],
    ["2", 2],
    ["128Mi", 128 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["1e3", 1000],
    ["1.5k", 1500],
    [0, 0],
  ])("WHEN %j is read THEN its value is %d", (q, value) => {
    expect(quantityValue(q)).toBeCloseTo(value);
  });

  it.each(["-5m", "5 m", "", "1.2.3", "10mi", "Mi", "abc", -1, null])(
    "WHEN %j is read THEN it is not a valid non-negative quantity",
    (q) => {
      expect(quantityValue(q)).toBeUndefined();
    },
  );
});

describe("GIVEN rendered objects with resources", () => {
  it("WHEN every size is valid and requests fit the limits THEN there is no problem", () => {
    expect(resourceProblems(pod({ requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } }))).toEqual([]);
  });

  it("WHEN a CPU request is negative THEN the problem names the field path and a valid quantity", () => {
    expect(resourceProblems(pod({ requests: { cpu: "-5m" }, limits: { cpu: "200m" } }))).toEqual([
      {
        path: "spec.template.spec.containers[0].resources.requests.cpu",
        expected: "a non-negative Kubernetes quantity such as 100m, 0.5, 128Mi or 1Gi",
        got: 'string "-5m"',
      },
    ]);
  });

  it("WHEN a request is above its limit, in other units THEN the problem names the request and the limit", () => {
    expect(resourceProblems({ spec: { resources: { requests: { memory: "1Gi" }, limits: { memory: "512Mi" } } } })).toEqual([
      { path: "spec.resources.requests.memory", expected: "at most the limit 512Mi", got: 'string "1Gi"' },
    ]);
  });
});

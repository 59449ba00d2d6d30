// Kubernetes label selectors: matching and the one-line form the check messages print.

export type Labels = Readonly<Record<string, string>>;

/** A LabelSelector as the API defines it (metav1.LabelSelector). */
export interface Selector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    readonly values?: readonly string[];
  }[];
}

/** Whether `selector` selects `labels`; an empty selector selects everything. */
export function matches(selector: Selector, labels: Labels = {}): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    byLabel &&
    (selector.matchExpressions ?? []).every((e) => {
      const has = Object.hasOwn(labels, e.key);
      switch (e.operator) {
        case "In":
          return has && (e.values ?? []).includes(labels[e.key]!);
        case "NotIn":
          return !has || !(e.values ?? []).includes(labels[e.key]!);
        case "Exists":
          return has;
        case "DoesNotExist":
          return !has;
      }
    })
  );
}

/** `{a=b,c in (d,e)}`, keys sorted, the way kubectl writes selectors; `{}` for the empty one. */
export function formatSelector(selector: Selector | undefined): string {
  if (!selector) return "null";
  const parts = [
    ...Object.entries(selector.matchLabels ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`),
    ...(selector.matchExpressions ?? []).map((e) => {
      if (e.operator === "Exists") return e.key;
      if (e.operator === "DoesNotExist") return `!${e.key}`;
      return `${e.key} ${e.operator === "In" ? "in" : "notin"} (${(e.values ?? []).join(",")})`;
    }),
  ];
  return `{${parts.join(",")}}`;
}

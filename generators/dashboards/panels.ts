// Small builders over @grafana/grafana-foundation-sdk so each dashboard reads as a list of queries.
import { DashboardBuilder, RowBuilder, type Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { prometheusDatasource } from "../monitoring.js";

/** One PromQL query of a panel and its legend. */
export interface Query {
  readonly expr: string;
  readonly legend: string;
}

/** A panel before layout: which visualisation, what it shows, in which unit. */
export interface PanelSpec {
  readonly kind: "timeseries" | "stat";
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly queries: readonly Query[];
  /** Grid width out of 24 (default 12 for time series, 6 for stats). */
  readonly width?: number;
}

export const q = (expr: string, legend: string): Query => ({ expr, legend });

export function timeseries(title: string, description: string, unit: string, queries: readonly Query[], width?: number): PanelSpec {
  return { kind: "timeseries", title, description, unit, queries, ...(width ? { width } : {}) };
}

export function stat(title: string, description: string, unit: string, queries: readonly Query[], width?: number): PanelSpec {
  return { kind: "stat", title, description, unit, queries, ...(width ? { width } : {}) };
}

/** A dashboard as data: rows of panels. `build` turns it into Grafana JSON through the SDK. */
export interface DashboardSpec {
  /** File and ConfigMap name. */
  readonly name: string;
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly rows: readonly { readonly title: string; readonly panels: readonly PanelSpec[] }[];
}

function target(query: Query, index: number): DataqueryBuilder {
  return new DataqueryBuilder()
    .datasource(prometheusDatasource)
    .expr(query.expr)
    .legendFormat(query.legend)
    .refId(String.fromCharCode(65 + index))
    .range();
}

/** Builds the Grafana dashboard JSON; panel ids are assigned in order, so they are unique and stable. */
export function build(spec: DashboardSpec): Dashboard {
  const dashboard = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([...spec.tags, "stackwave"])
    .refresh("30s")
    .time({ from: "now-1h", to: "now" })
    .timezone("browser")
    .readonly();
  let id = 1;
  for (const row of spec.rows) {
    dashboard.withRow(new RowBuilder(row.title).id(id++));
    for (const panel of row.panels) {
      const builder =
        panel.kind === "stat"
          ? new StatBuilder().height(4).span(panel.width ?? 6)
          : new TimeseriesBuilder()
              .height(8)
              .span(panel.width ?? 12)
              .fillOpacity(10);
      builder
        .id(id++)
        .title(panel.title)
        .description(panel.description)
        .unit(panel.unit)
        .datasource(prometheusDatasource)
        .targets(panel.queries.map(target));
      dashboard.withPanel(builder);
    }
  }
  return dashboard.build();
}

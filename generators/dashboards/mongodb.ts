// The guestbook's MongoDB: the exporter's view (server side) and the backend's view (client side).
// Server panels read the classic names (percona's --compatible-mode, and older exporters) or, failing
// those, percona's native mongodb_ss_* names, so they work with either exporter generation.
import { guestbookNamespace, workloads } from "../monitoring.js";
import { q, stat, timeseries, type DashboardSpec } from "./panels.js";

const exporter = `job="${workloads.mongodbExporter.name}"`;
const backend = `namespace="${guestbookNamespace}", job="backend"`;

export const mongodbDashboard: DashboardSpec = {
  name: "mongodb",
  uid: "stackwave-mongodb",
  title: "Guestbook: MongoDB",
  description: "The guestbook database: server metrics from the MongoDB exporter, operation latency from the backend.",
  tags: ["guestbook", "mongodb"],
  rows: [
    {
      title: "Server (MongoDB exporter)",
      panels: [
        stat("MongoDB up", "1 when the exporter reached MongoDB on its last scrape.", "none", [q(`min(mongodb_up{${exporter}})`, "up")]),
        stat("Exporter scraped", "1 when Prometheus scraped the exporter itself.", "none", [q(`min(up{${exporter}})`, "up")]),
        stat("Connections", "Open client connections.", "none", [
          q(
            `sum(mongodb_connections{${exporter}, state="current"}) or sum(mongodb_ss_connections{${exporter}, conn_type="current"})`,
            "current",
          ),
        ]),
        stat("Resident memory", "Memory MongoDB holds.", "decmbytes", [
          q(`sum(mongodb_memory{${exporter}, type="resident"}) or sum(mongodb_ss_mem_resident{${exporter}})`, "resident"),
        ]),
        timeseries("Operations by type", "Server operations per second (insert, query, update, delete, getmore, command).", "ops", [
          q(
            `sum by (type) (rate(mongodb_op_counters_total{${exporter}}[$__rate_interval]))` +
              ` or sum by (type) (label_replace(rate(mongodb_ss_opcounters{${exporter}}[$__rate_interval]), "type", "$1", "legacy_op_type", "(.*)"))`,
            "{{type}}",
          ),
        ]),
        timeseries("Connections", "Current and still available connections.", "none", [
          q(
            `sum by (state) (mongodb_connections{${exporter}})` +
              ` or sum by (state) (label_replace(mongodb_ss_connections{${exporter}}, "state", "$1", "conn_type", "(.*)"))`,
            "{{state}}",
          ),
        ]),
      ],
    },
    {
      title: "Client (guestbook backend)",
      panels: [
        timeseries("Operation latency", "p50 and p99 duration of the backend's MongoDB operations.", "s", [
          q(
            `histogram_quantile(0.5, sum by (operation, le) (rate(guestbook_mongodb_operation_duration_seconds_bucket{${backend}}[$__rate_interval])))`,
            "p50 {{operation}}",
          ),
          q(
            `histogram_quantile(0.99, sum by (operation, le) (rate(guestbook_mongodb_operation_duration_seconds_bucket{${backend}}[$__rate_interval])))`,
            "p99 {{operation}}",
          ),
        ]),
        timeseries("Operations by outcome", "Backend MongoDB operations per second, ok or error.", "ops", [
          q(
            `sum by (operation, outcome) (rate(guestbook_mongodb_operation_duration_seconds_count{${backend}}[$__rate_interval]))`,
            "{{operation}} {{outcome}}",
          ),
        ]),
        timeseries("Connection state", "The backend's MongoDB connection gauge per pod (1 = connected).", "none", [
          q(`guestbook_mongodb_up{${backend}}`, "{{instance}}"),
        ]),
      ],
    },
  ],
};

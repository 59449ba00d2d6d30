// Every dashboard stackwave provisions into Grafana, one ConfigMap each.
import { blackboxDashboard } from "./blackbox.js";
import { guestbookDashboard } from "./guestbook.js";
import { kubernetesDashboard } from "./kubernetes.js";
import { mongodbDashboard } from "./mongodb.js";
import { nodeDashboard } from "./node.js";
import type { DashboardSpec } from "./panels.js";
import { prometheusDashboard } from "./prometheus.js";

export const dashboards: readonly DashboardSpec[] = [
  guestbookDashboard,
  mongodbDashboard,
  blackboxDashboard,
  kubernetesDashboard,
  nodeDashboard,
  prometheusDashboard,
];

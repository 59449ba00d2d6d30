// A scrape path: traffic a monitor needs from one pod template to a port of another. Monitors and probes
// produce them; the NetworkPolicy check walks them.
import type { ContainerPort, PodTemplate } from "./inventory.js";

export interface ScrapePath {
  /** The monitor that needs the path, e.g. `ServiceMonitor guestbook/backend`. */
  readonly monitor: string;
  /** Who connects, e.g. `Prometheus monitoring/k8s`, and its pods. */
  readonly client: string;
  readonly from: PodTemplate;
  readonly to: PodTemplate;
  readonly port: ContainerPort;
}

// The node: CPU, memory, disk and network from node-exporter.
import { workloads } from "../monitoring.js";
import { q, stat, timeseries, type DashboardSpec } from "./panels.js";

const sel = `job="${workloads.nodeExporter.name}"`;

export const nodeDashboard: DashboardSpec = {
  name: "node",
  uid: "stackwave-node",
  title: "Node",
  description: "The Kind node (which shares the host's kernel): CPU, memory, filesystems and network.",
  tags: ["node"],
  rows: [
    {
      title: "Overview",
      panels: [
        stat("CPU busy", "Share of CPU time not idle, all cores.", "percentunit", [
          q(`1 - avg(rate(node_cpu_seconds_total{${sel}, mode="idle"}[$__rate_interval]))`, "busy"),
        ]),
        stat("Load (1m) per core", "1-minute load average over the number of cores.", "none", [
          q(`max(node_load1{${sel}}) / count(count by (cpu) (node_cpu_seconds_total{${sel}}))`, "load"),
        ]),
        stat("Memory used", "1 − available / total memory.", "percentunit", [
          q(`1 - sum(node_memory_MemAvailable_bytes{${sel}}) / sum(node_memory_MemTotal_bytes{${sel}})`, "used"),
        ]),
        stat("Fullest filesystem", "Highest used share among the real filesystems.", "percentunit", [
          q(`max(1 - node_filesystem_avail_bytes{${sel}, fstype!=""} / node_filesystem_size_bytes{${sel}, fstype!=""})`, "used"),
        ]),
      ],
    },
    {
      title: "Detail",
      panels: [
        timeseries("CPU by mode", "Cores busy per mode.", "short", [
          q(`sum by (mode) (rate(node_cpu_seconds_total{${sel}, mode!="idle"}[$__rate_interval]))`, "{{mode}}"),
        ]),
        timeseries("Memory", "Total and available memory.", "bytes", [
          q(`sum(node_memory_MemTotal_bytes{${sel}})`, "total"),
          q(`sum(node_memory_MemAvailable_bytes{${sel}})`, "available"),
        ]),
        timeseries("Filesystem available", "Free bytes by mount point.", "bytes", [
          q(`node_filesystem_avail_bytes{${sel}, fstype!=""}`, "{{mountpoint}}"),
        ]),
        timeseries("Network", "Bytes received and sent per second, per device.", "Bps", [
          q(`sum by (device) (rate(node_network_receive_bytes_total{${sel}}[$__rate_interval]))`, "rx {{device}}"),
          q(`sum by (device) (rate(node_network_transmit_bytes_total{${sel}}[$__rate_interval]))`, "tx {{device}}"),
        ]),
      ],
    },
  ],
};

// Stand-ins for the images whose source cannot be had here. Each keeps the contract our manifests and
// the argo-cd chart rely on (env, ports, paths, uid, probes); docs/kind.md lists what each does not do.
import { goTools, imageString, images } from "../../generators/versions.js";
import type { ImageSpec } from "./list.js";

const df = (name: string) => `tools/images/dockerfiles/${name}.Dockerfile`;
const script = (name: string, as: string) => ({ repo: `tools/images/dockerfiles/${name}`, as });

/**
 * The Redis image the argo-cd chart (argocd.chart in generators/versions.ts) renders with our values.
 * It is the chart's default, not one of our pins; test/kind/stand-ins.test.ts renders the chart and
 * checks this reference against it.
 */
export const argocdRedisReference = "ecr-public.aws.com/docker/library/redis:8.2.2-alpine";

/** Every stand-in, in build order. */
export const standInImages: readonly ImageSpec[] = [
  {
    name: "mongodb",
    reference: imageString(images.mongodb),
    kind: "stand-in",
    source: `FerretDB ${goTools.ferretdb.version} (SQLite backend, tool cache) behind the mongo image's entrypoint; mongosh.py on Debian's python3-pymongo`,
    difference:
      "No MongoDB server is served by any registry. FerretDB speaks the wire protocol over SQLite: no replica sets, no roles (any authenticated user may do anything), no WiredTiger (--wiredTigerCacheSizeGB is ignored), no /docker-entrypoint-initdb.d scripts or MONGO_INITDB_DATABASE; serverStatus reports no connections or memory. mongosh evaluates only db.adminCommand/runCommand expressions. Starts as uid 999 instead of dropping from root",
    dockerfile: df("mongo"),
    files: [
      { tool: "ferretdb", version: goTools.ferretdb.version, binary: "ferretdb" },
      script("mongo-entrypoint.sh", "mongo-entrypoint.sh"),
      script("mongod.sh", "mongod.sh"),
      script("mongosh.py", "mongosh.py"),
    ],
    needs: ["debian"],
  },
  {
    name: "mongodb-exporter",
    reference: imageString(images.mongodbExporter),
    kind: "stand-in",
    source: "tools/images/dockerfiles/mongodb-exporter.py on Debian's python3-pymongo",
    difference: `The Go proxy answers 403 for github.com/percona/mongodb_exporter@v${images.mongodbExporter.tag}. Serves mongodb_up, mongodb_op_counters_total and mongodb_ss_opcounters (from serverStatus command counts), mongodb_ss_uptime and mongodb_version_info; no mongodb_connections, mongodb_memory, mongodb_ss_connections or mongodb_ss_mem_resident (FerretDB does not report them), no replica-set, dbstats, collstats, indexstats or top collectors (their flags are accepted)`,
    dockerfile: df("mongodb-exporter"),
    files: [script("mongodb-exporter.py", "mongodb-exporter.py")],
    needs: ["debian"],
  },
  {
    name: "grafana",
    reference: imageString(images.grafana),
    kind: "stand-in",
    source: "tools/images/dockerfiles/grafana.py on Debian's python3-yaml",
    difference:
      "Grafana (AGPL) is served by no registry. Health, login (admin from GF_SECURITY_ADMIN_*), session cookie and basic auth, the provisioned dashboards (search, by uid, folders), provisioned datasources and /metrics; no web UI, no panel queries or datasource proxy, no users, orgs, alerting, plugins or database",
    dockerfile: df("grafana"),
    files: [script("grafana.py", "grafana.py")],
    needs: ["debian"],
  },
  {
    name: "redis",
    reference: argocdRedisReference,
    kind: "stand-in",
    source: "Debian bookworm's redis-server 7.0 behind the official image's entrypoint",
    difference:
      "Redis 8.2 is in no registry here: this is 7.0 (no 8.x commands or modules such as the query engine or JSON). Debian instead of Alpine, with bash as /bin/sh for the chart's probe scripts",
    dockerfile: df("redis"),
    files: [script("redis-entrypoint.sh", "redis-entrypoint.sh")],
    needs: ["debian"],
  },
];

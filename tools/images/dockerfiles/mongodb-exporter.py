#!/usr/bin/python3
"""Stand-in for percona's mongodb_exporter: the metrics stackwave's rules and dashboards read.

On every scrape it pings the server and reads serverStatus over one pooled connection, with the
flags and environment percona's exporter takes (--mongodb.uri or MONGODB_URI, MONGODB_USER and
MONGODB_PASSWORD, --web.listen-address, --web.telemetry-path). mongodb_up is 0 while the server is
away; the rest appear only when the server reports them.
"""
import argparse
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pymongo

VERSION = "0.44.0"
# serverStatus.metrics.commands names -> the classic opcounters types; every other command is "command".
OPCOUNTER = {"insert": "insert", "find": "query", "update": "update", "delete": "delete", "getMore": "getmore"}
OPTYPES = ["insert", "query", "update", "delete", "getmore", "command"]
BOOLEAN_FLAGS = [
    "compatible-mode",
    "collector.diagnosticdata",
    "collector.replicasetstatus",
    "collector.dbstats",
    "collector.topmetrics",
    "collector.indexstats",
    "collector.collstats",
    "collect-all",
    "discovering-mode",
    "mongodb.direct-connect",
    "mongodb.global-conn-pool",
]


def parse(argv):
    p = argparse.ArgumentParser(prog="mongodb_exporter", description=__doc__.splitlines()[0])
    p.add_argument("--mongodb.uri", dest="uri", default=os.environ.get("MONGODB_URI", ""))
    p.add_argument("--mongodb.user", dest="user", default=os.environ.get("MONGODB_USER", ""))
    p.add_argument("--mongodb.password", dest="password", default=os.environ.get("MONGODB_PASSWORD", ""))
    p.add_argument("--web.listen-address", dest="listen", default=":9216")
    p.add_argument("--web.telemetry-path", dest="path", default="/metrics")
    p.add_argument("--log.level", dest="log_level", default="error")
    p.add_argument("--version", action="store_true")
    for flag in BOOLEAN_FLAGS:
        p.add_argument(f"--{flag}", action="store_true")
        p.add_argument(f"--no-{flag}", action="store_false", dest=flag.replace(".", "_").replace("-", "_"))
    args = p.parse_args(argv)
    if args.version:
        print(f"mongodb_exporter - MongoDB Prometheus exporter (stand-in)\nVersion: {VERSION}")
        sys.exit(0)
    if not args.uri:
        p.error("--mongodb.uri: missing; expected a mongodb:// connection string (or MONGODB_URI)")
    if not args.uri.startswith(("mongodb://", "mongodb+srv://")):
        args.uri = f"mongodb://{args.uri}"
    return args


class Collector:
    def __init__(self, args):
        options = {"serverSelectionTimeoutMS": 3000, "connectTimeoutMS": 3000, "connect": False}
        if args.user:
            options["username"] = args.user
            options["password"] = args.password
            if "authSource" not in urllib.parse.urlsplit(args.uri).query:
                # The URI's database is the auth source, as in percona's exporter.
                options["authSource"] = urllib.parse.urlsplit(args.uri).path.strip("/") or "admin"
        self.client = pymongo.MongoClient(args.uri, **options)
        self.lock = threading.Lock()
        self.scrapes = 0
        self.errors = 0

    def collect(self):
        start = time.monotonic()
        lines = []
        up = 0
        status = None
        with self.lock:
            self.scrapes += 1
            try:
                self.client.admin.command("ping")
                status = self.client.admin.command("serverStatus")
                up = 1
            except pymongo.errors.PyMongoError as error:
                self.errors += 1
                print(f"scrape failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)

        def metric(name, kind, help_text, samples):
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
            for labels, value in samples:
                text = ",".join(f'{k}="{v}"' for k, v in labels.items())
                lines.append(f"{name}{{{text}}} {value}" if text else f"{name} {value}")

        metric("mongodb_up", "gauge", "Whether MongoDB answered the last scrape (1) or not (0).", [({}, up)])
        if status is not None:
            counts = dict.fromkeys(OPTYPES, 0)
            for command, stats in (status.get("metrics", {}).get("commands") or {}).items():
                counts[OPCOUNTER.get(command, "command")] += int(stats.get("total", 0))
            metric(
                "mongodb_op_counters_total",
                "counter",
                "Operations the server has run, by type (compatible mode).",
                [({"type": t}, counts[t]) for t in OPTYPES],
            )
            metric(
                "mongodb_ss_opcounters",
                "untyped",
                "serverStatus opcounters, by legacy_op_type.",
                [({"legacy_op_type": t}, counts[t]) for t in OPTYPES],
            )
            if "uptime" in status:
                metric("mongodb_ss_uptime", "untyped", "serverStatus uptime in seconds.", [({}, float(status["uptime"]))])
            if "version" in status:
                metric("mongodb_version_info", "gauge", "The server's reported version.", [({"mongodb": status["version"]}, 1)])
        metric(
            "mongodb_exporter_scrapes_total",
            "counter",
            "Scrapes of this exporter, and the ones MongoDB did not answer.",
            [({"result": "ok"}, self.scrapes - self.errors), ({"result": "error"}, self.errors)],
        )
        metric(
            "mongodb_exporter_build_info",
            "gauge",
            "The exporter this stands in for.",
            [({"version": VERSION, "standin": "stackwave"}, 1)],
        )
        metric("mongodb_exporter_scrape_duration_seconds", "gauge", "Duration of this scrape.", [({}, time.monotonic() - start)])
        return "\n".join(lines) + "\n"


def serve(args):
    collector = Collector(args)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            if path == args.path:
                self.reply(200, "text/plain; version=0.0.4; charset=utf-8", collector.collect())
            elif path == "/":
                self.reply(200, "text/html; charset=utf-8", f'<html><body><a href="{args.path}">Metrics</a></body></html>\n')
            else:
                self.reply(404, "application/json", '{"error": "not found", "expected": "%s"}\n' % args.path)

        def reply(self, code, content_type, body):
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_):
            pass

    host, _, port = args.listen.rpartition(":")
    server = ThreadingHTTPServer((host.strip("[]") or "", int(port)), Handler)
    print(f"mongodb_exporter stand-in listening on {args.listen}{args.path}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(parse(sys.argv[1:]))

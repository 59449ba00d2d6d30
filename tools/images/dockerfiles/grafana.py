#!/usr/bin/python3
"""Stand-in for Grafana: the HTTP API stackwave's manifests, probes and tests rely on, nothing more.

- GET /api/health: 200 while the data path is writable, else 503;
- POST /login with {"user", "password"}: the admin user of GF_SECURITY_ADMIN_USER/PASSWORD (or their
  __FILE forms) gets a session cookie; /api/* also takes HTTP basic auth;
- GET /api/user, /api/search (provisioned dashboards, filtered by query, type, tag), /api/folders,
  /api/dashboards/uid/<uid>, /api/datasources (provisioned datasources);
- GET /metrics: Prometheus text (build info, dashboard count, requests by path and status).
Provisioning files are read again on every request, so ConfigMap updates show up as in Grafana's
file provider. There is no UI, no query proxy, no alerting and no database.
"""
import base64
import glob
import hmac
import json
import os
import re
import secrets
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

VERSION = "12.1.1"


def setting(name, default):
    """GF_<NAME>, or the content of the file GF_<NAME>__FILE names, as Grafana reads its settings."""
    path = os.environ.get(f"GF_{name}__FILE")
    if path:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    return os.environ.get(f"GF_{name}", default)


ADMIN_USER = setting("SECURITY_ADMIN_USER", "admin")
ADMIN_PASSWORD = setting("SECURITY_ADMIN_PASSWORD", "admin")
DATA = setting("PATHS_DATA", "/var/lib/grafana")
PROVISIONING = setting("PATHS_PROVISIONING", "/etc/grafana/provisioning")
PORT = int(setting("SERVER_HTTP_PORT", "3000"))
ANONYMOUS = setting("AUTH_ANONYMOUS_ENABLED", "false").lower() == "true"
LOGIN_FORM_DISABLED = setting("AUTH_DISABLE_LOGIN_FORM", "false").lower() == "true"

sessions = set()
requests = {}
lock = threading.Lock()


def yaml_files(folder):
    return sorted(glob.glob(os.path.join(PROVISIONING, folder, "*.yaml")) + glob.glob(os.path.join(PROVISIONING, folder, "*.yml")))


def slug(title):
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def dashboards():
    """Every dashboard of the file providers: (dashboard json, folder title, provider name)."""
    found = []
    for path in yaml_files("dashboards"):
        with open(path, encoding="utf-8") as f:
            config = yaml.safe_load(f) or {}
        for provider in config.get("providers") or []:
            if provider.get("type", "file") != "file":
                continue
            root = (provider.get("options") or {}).get("path")
            if not root:
                continue
            for file in sorted(glob.glob(os.path.join(root, "**", "*.json"), recursive=True)):
                try:
                    with open(file, encoding="utf-8") as f:
                        board = json.load(f)
                except (OSError, ValueError) as error:
                    print(f"provisioning: skipped {file}: {error}", file=sys.stderr, flush=True)
                    continue
                board.setdefault("uid", slug(os.path.splitext(os.path.basename(file))[0]))
                found.append((board, provider.get("folder") or "General", provider.get("name", "")))
    return found


def datasources():
    found = []
    for path in yaml_files("datasources"):
        with open(path, encoding="utf-8") as f:
            config = yaml.safe_load(f) or {}
        found.extend(config.get("datasources") or [])
    return found


def healthy():
    try:
        probe = os.path.join(DATA, f".health-{os.getpid()}")
        with open(probe, "w", encoding="utf-8") as f:
            f.write("ok")
        os.remove(probe)
        return True
    except OSError:
        return False


class Handler(BaseHTTPRequestHandler):
    server_version = f"Grafana-stand-in/{VERSION}"

    def reply(self, code, body, content_type="application/json", headers=()):
        data = (json.dumps(body) if content_type == "application/json" else body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        route = self.path.split("?")[0]
        route = "/api/dashboards/uid/:uid" if route.startswith("/api/dashboards/uid/") else route
        # Unknown paths share one label, so a scan cannot grow the series without bound.
        route = "other" if code == 404 and not route.startswith("/api/dashboards/uid/") else route
        with lock:
            requests[(route, code)] = requests.get((route, code), 0) + 1

    def authenticated(self):
        if ANONYMOUS:
            return True
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return False
            return self.valid(user, password)
        cookie = self.headers.get("Cookie", "")
        for part in cookie.split(";"):
            name, _, value = part.strip().partition("=")
            if name == "grafana_session" and value in sessions:
                return True
        return False

    @staticmethod
    def valid(user, password):
        return hmac.compare_digest(user.encode(), ADMIN_USER.encode()) and hmac.compare_digest(password.encode(), ADMIN_PASSWORD.encode())

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        path = url.path
        if path == "/api/health":
            ok = healthy()
            return self.reply(200 if ok else 503, {"database": "ok" if ok else "failing", "version": VERSION, "commit": "stand-in"})
        if path == "/metrics":
            return self.reply(200, self.metrics(), "text/plain; version=0.0.4; charset=utf-8")
        if path == "/login":
            return self.reply(200, "<html><body><p>Grafana stand-in: POST /login with {\"user\", \"password\"}.</p></body></html>\n", "text/html; charset=utf-8")
        if not self.authenticated():
            if path.startswith("/api/"):
                return self.reply(401, {"message": "Unauthorized"})
            return self.reply(302, "", "text/html", [("Location", "/login")])
        if path == "/":
            items = "".join(f"<li>{b.get('title', '')} ({folder})</li>" for b, folder, _ in dashboards())
            return self.reply(200, f"<html><body><h1>Dashboards</h1><ul>{items}</ul></body></html>\n", "text/html; charset=utf-8")
        if path == "/api/user":
            return self.reply(200, {"id": 1, "login": ADMIN_USER, "name": ADMIN_USER, "isGrafanaAdmin": True, "orgId": 1})
        if path == "/api/search":
            return self.reply(200, self.search(query))
        if path == "/api/folders":
            folders = sorted({folder for _, folder, _ in dashboards() if folder != "General"})
            return self.reply(200, [{"id": i + 1, "uid": slug(f), "title": f} for i, f in enumerate(folders)])
        if path.startswith("/api/dashboards/uid/"):
            uid = path[len("/api/dashboards/uid/") :]
            for board, folder, provider in dashboards():
                if board["uid"] == uid:
                    meta = {"slug": slug(board.get("title", "")), "folderTitle": folder, "folderUid": slug(folder), "provisioned": True, "provisionedExternalId": provider}
                    return self.reply(200, {"dashboard": board, "meta": meta})
            return self.reply(404, {"message": "Dashboard not found"})
        if path == "/api/datasources":
            return self.reply(200, [{"id": i + 1, "readOnly": True, **ds} for i, ds in enumerate(datasources())])
        return self.reply(404, {"message": "Not found", "path": path})

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path != "/login":
            return self.reply(404, {"message": "Not found", "path": path})
        if LOGIN_FORM_DISABLED:
            return self.reply(401, {"message": "Login is disabled"})
        try:
            body = json.loads(raw or b"{}")
            user, password = body["user"], body["password"]
            if not isinstance(user, str) or not isinstance(password, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return self.reply(400, {"message": "bad login data", "expected": '{"user": string, "password": string}'})
        if not self.valid(user, password):
            return self.reply(401, {"message": "Invalid username or password"})
        token = secrets.token_hex(16)
        with lock:
            sessions.add(token)
        cookie = f"grafana_session={token}; Path=/; HttpOnly; SameSite=Lax"
        return self.reply(200, {"message": "Logged in", "redirectUrl": "/"}, headers=[("Set-Cookie", cookie)])

    def search(self, query):
        text = (query.get("query") or [""])[0].lower()
        kind = (query.get("type") or [""])[0]
        tags = set(query.get("tag") or [])
        results = []
        if kind in ("", "dash-db"):
            for board, folder, _ in dashboards():
                title = board.get("title", "")
                if text and text not in title.lower():
                    continue
                if tags and not tags.issubset(set(board.get("tags") or [])):
                    continue
                results.append(
                    {
                        "uid": board["uid"],
                        "title": title,
                        "uri": f"db/{slug(title)}",
                        "url": f"/d/{board['uid']}/{slug(title)}",
                        "type": "dash-db",
                        "tags": board.get("tags") or [],
                        "isStarred": False,
                        "folderUid": slug(folder),
                        "folderTitle": folder,
                    }
                )
        return sorted(results, key=lambda r: r["title"].lower())

    def metrics(self):
        lines = [
            "# HELP grafana_build_info The version this stands in for.",
            "# TYPE grafana_build_info gauge",
            f'grafana_build_info{{version="{VERSION}",edition="stand-in"}} 1',
            "# HELP grafana_stat_totals_dashboard Provisioned dashboards.",
            "# TYPE grafana_stat_totals_dashboard gauge",
            f"grafana_stat_totals_dashboard {len(dashboards())}",
            "# HELP grafana_http_request_total HTTP requests answered, by route and status.",
            "# TYPE grafana_http_request_total counter",
        ]
        with lock:
            for (route, code), count in sorted(requests.items()):
                lines.append(f'grafana_http_request_total{{handler="{route}",status_code="{code}"}} {count}')
        return "\n".join(lines) + "\n"

    def log_message(self, *_):
        pass


if __name__ == "__main__":
    print(f"grafana stand-in {VERSION} listening on :{PORT}", file=sys.stderr, flush=True)
    ThreadingHTTPServer(("", PORT), Handler).serve_forever()

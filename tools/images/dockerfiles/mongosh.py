#!/usr/bin/python3
"""`mongosh` of the mongo stand-in: connects like mongosh and evaluates the --eval forms probes use.

Supported expressions: db.adminCommand({...}), db.runCommand({...}) and
db.getSiblingDB("name").runCommand({...}), each optionally followed by .field access, e.g.
`db.adminCommand({ ping: 1 }).ok`. A value is printed as mongosh prints a scalar; a document as JSON.
Exit status 1 when the server cannot be reached, the command fails or the expression is not supported.
No interactive shell and no JavaScript engine.
"""
import argparse
import json
import re
import sys
import urllib.parse

import pymongo
from bson import json_util

DEFAULT_URI = "mongodb://127.0.0.1:27017/"
CALL = re.compile(
    r"""^db(?:\.getSiblingDB\(\s*(?P<q>["'])(?P<sibling>[^"']+)(?P=q)\s*\))?"""
    r"""\.(?P<method>adminCommand|runCommand)\((?P<arg>.*)\)(?P<path>(?:\.[A-Za-z_$][\w$]*)*)\s*;?\s*$""",
    re.S,
)


def js_object(text):
    """The JSON form of a JavaScript object literal with bare keys and single-quoted strings."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(json.dumps(text[i + 1 : j]))
            i = j + 1
            continue
        m = re.match(r"[A-Za-z_$][\w$]*", text[i:])
        if m:
            word = m.group(0)
            rest = text[i + len(word) :].lstrip()
            out.append(json.dumps(word) if rest.startswith(":") else word)
            i += len(word)
            continue
        out.append(c)
        i += 1
    return json.loads("".join(out))


def scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, str)):
        return str(value)
    return json_util.dumps(value)


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def main(argv):
    p = argparse.ArgumentParser(prog="mongosh", description=__doc__.splitlines()[0])
    p.add_argument("address", nargs="?", help="connection string, host[:port][/db] or db name")
    p.add_argument("--eval", action="append", default=[], help="an expression to evaluate (repeatable)")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--norc", action="store_true")
    p.add_argument("--nodb", action="store_true")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("-u", "--username")
    p.add_argument("-p", "--password")
    p.add_argument("--authenticationDatabase")
    p.add_argument("--authenticationMechanism")
    args = p.parse_args(argv)
    if not args.eval:
        fail("mongosh stand-in: no interactive shell; expected --eval EXPRESSION")

    uri = DEFAULT_URI
    if args.address and args.address.startswith(("mongodb://", "mongodb+srv://")):
        uri = args.address
    elif args.address:
        hostpart, _, db = args.address.rpartition("/") if "/" in args.address else ("", "", args.address)
        uri = f"mongodb://{hostpart or '127.0.0.1:27017'}/{db}"
    if args.host or args.port:
        parsed = urllib.parse.urlsplit(uri)
        host = args.host or parsed.hostname or "127.0.0.1"
        port = args.port or parsed.port or 27017
        uri = urllib.parse.urlunsplit((parsed.scheme, f"{host}:{port}", parsed.path, parsed.query, ""))
    options = {"serverSelectionTimeoutMS": 5000, "directConnection": True}
    if args.username:
        options["username"] = args.username
        options["password"] = args.password or ""
        options["authSource"] = args.authenticationDatabase or "admin"
    if args.authenticationMechanism:
        options["authMechanism"] = args.authenticationMechanism
    client = pymongo.MongoClient(uri, **options)
    try:
        default_db = client.get_default_database(default="test")
        for expression in args.eval:
            m = CALL.match(expression.strip())
            if not m:
                fail(
                    f"mongosh stand-in: cannot evaluate {expression!r}; expected db.adminCommand({{...}}), "
                    "db.runCommand({...}) or db.getSiblingDB(name).runCommand({...}), optionally with .field"
                )
            try:
                command = js_object(m.group("arg"))
            except ValueError as error:
                fail(f"mongosh stand-in: the argument of {m.group('method')} is not an object literal: {error}")
            if m.group("method") == "adminCommand":
                db = client.admin
            else:
                db = client[m.group("sibling")] if m.group("sibling") else default_db
            result = db.command(command)
            for field in filter(None, m.group("path").split(".")):
                result = result.get(field) if isinstance(result, dict) else None
            print(scalar(result))
    except pymongo.errors.PyMongoError as error:
        fail(f"{type(error).__name__}: {error}")
    finally:
        client.close()


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env python3
"""cfgtool.py: read the files of jenkins-config/ and packaging/ for tests.

  cfgtool.py yaml FILE...       parse strictly (no duplicate keys, every
                                document), silent on success
  cfgtool.py pod FILE           the "jnlp" container: lines IMAGE=, CMD=,
                                ARG=, ENV name=value, WORKDIR=
  cfgtool.py unit FILE          a systemd unit's [Service] settings:
                                KEY=VALUE lines, continuation lines joined
  cfgtool.py envfile FILE       an EnvironmentFile: NAME=VALUE lines
                                (quotes removed, comments dropped)
  cfgtool.py execstart LINE     split an ExecStart= command line the way
                                systemd does, expanding ${VAR} (one word)
                                and $VAR (split) from the environment;
                                prints one word per line
  cfgtool.py dockerfile FILE    ENTRYPOINT=, USER=, WORKDIR=, ENV name=value
  cfgtool.py jenkinsfile FILE   a declarative Jenkinsfile: "AGENT label" for
                                each agent { label '...' }, then for each
                                step call in order "STEP name blocks args":
                                blocks the enclosing block names (comma
                                separated, "-" for none), args its argument
                                tokens (strings quoted, whitespace folded);
                                docker.image(..).inside is a step named
                                "docker.image.inside"; fails on unbalanced
                                brackets or unterminated strings
  cfgtool.py casc FILE          a JCasC file's agent port and permanent
                                nodes: "PORT n", "NODE name|labels|launcher|
                                webSocket|remoteFS|executors"

Exits 1 with a message on stderr when a file does not parse.
"""
import json
import os
import re
import shlex
import sys

try:
    import yaml
except ImportError:  # the caller skips: python3-yaml (scripts/deps.sh)
    yaml = None


def die(msg):
    sys.stderr.write("cfgtool: %s\n" % msg)
    sys.exit(1)


if yaml is not None:
    class StrictLoader(yaml.SafeLoader):
        pass

    def _mapping(loader, node, deep=False):
        loader.flatten_mapping(node)
        seen = set()
        for k, _ in node.value:
            key = loader.construct_object(k, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, "duplicate key %r" % (key,), k.start_mark)
            seen.add(key)
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    StrictLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(path):
    if yaml is None:
        die("no python3-yaml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if "\t" in text:
        die("%s: tab character" % path)
    try:
        docs = list(yaml.load_all(text, Loader=StrictLoader))
    except yaml.YAMLError as e:
        die("%s: %s" % (path, e))
    if not docs or any(d is None for d in docs):
        die("%s: empty document" % path)
    return docs


def cmd_yaml(paths):
    for p in paths:
        load_yaml(p)


def cmd_pod(path):
    docs = load_yaml(path)
    pod = docs[0]
    if pod.get("kind") != "Pod":
        die("%s: kind is not Pod" % path)
    jnlp = [c for c in pod["spec"]["containers"] if c.get("name") == "jnlp"]
    if len(jnlp) != 1:
        die("%s: want exactly one container named jnlp" % path)
    c = jnlp[0]
    print("IMAGE=%s" % c["image"])
    for w in c.get("command", []):
        print("CMD=%s" % w)
    for w in c.get("args", []):
        print("ARG=%s" % w)
    if "workingDir" in c:
        print("WORKDIR=%s" % c["workingDir"])
    for e in c.get("env", []):
        if "value" not in e:
            die("%s: env %s has no literal value" % (path, e.get("name")))
        print("ENV %s=%s" % (e["name"], e["value"]))
    sc = c.get("securityContext", {})
    if "runAsUser" in sc:
        print("UID=%s" % sc["runAsUser"])


def unit_sections(path):
    sections, cur, pending = {}, None, ""
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if pending:
                line = pending + line.lstrip()
                pending = ""
            s = line.strip()
            if not s or s[0] in "#;":
                continue
            if s.endswith("\\"):
                pending = s[:-1] + " "
                continue
            m = re.match(r"^\[([A-Za-z]+)\]$", s)
            if m:
                cur = sections.setdefault(m.group(1), [])
                continue
            m = re.match(r"^([A-Za-z][A-Za-z0-9]*)=(.*)$", s)
            if not m or cur is None:
                die("%s:%d: not KEY=VALUE in a section" % (path, n))
            cur.append((m.group(1), m.group(2)))
    if pending:
        die("%s: continuation at end of file" % path)
    return sections


def cmd_unit(path):
    s = unit_sections(path)
    for need in ("Unit", "Service", "Install"):
        if need not in s:
            die("%s: no [%s] section" % (path, need))
    for k, v in s["Service"]:
        print("%s=%s" % (k, v))


def cmd_envfile(path):
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            s = raw.strip()
            if not s or s[0] in "#;":
                continue
            m = re.match(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", s)
            if not m:
                die("%s:%d: not NAME=VALUE" % (path, n))
            v = m.group(2)
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                v = v[1:-1]
            print("%s=%s" % (m.group(1), v))


def cmd_execstart(line):
    # Leading prefixes (-, @, :, +, !) change how systemd runs the command.
    line = line.lstrip("-@:+!")
    out = []
    for w in shlex.split(line):
        m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", w)
        if m:
            out.extend(os.environ.get(m.group(1), "").split())
            continue

        def braced(mo):
            return os.environ.get(mo.group(1), "")
        out.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", braced, w))
    for w in out:
        print(w)


def cmd_dockerfile(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"\\\n", " ", text)
    for raw in text.splitlines():
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        ins, _, rest = s.partition(" ")
        ins = ins.upper()
        rest = rest.strip()
        if ins == "ENTRYPOINT":
            try:
                words = json.loads(rest)
            except ValueError:
                die("%s: ENTRYPOINT is not in exec (JSON) form" % path)
            print("ENTRYPOINT=%s" % " ".join(words))
        elif ins in ("USER", "WORKDIR"):
            print("%s=%s" % (ins, rest))
        elif ins == "ENV":
            for w in shlex.split(rest):
                if "=" not in w:
                    die("%s: ENV without =" % path)
                print("ENV %s" % w)


def cmd_casc(path):
    docs = load_yaml(path)
    if len(docs) != 1:
        die("%s: one document expected" % path)
    j = docs[0].get("jenkins")
    if not isinstance(j, dict):
        die("%s: no jenkins: section" % path)
    if "slaveAgentPort" in j:
        print("PORT %s" % j["slaveAgentPort"])
    for n in j.get("nodes", []):
        if list(n.keys()) != ["permanent"]:
            die("%s: only permanent nodes expected" % path)
        p = n["permanent"]
        for k in ("name", "labelString", "launcher", "remoteFS"):
            if k not in p:
                die("%s: node without %s" % (path, k))
        launcher = p["launcher"]
        if not isinstance(launcher, dict) or len(launcher) != 1:
            die("%s: node %s: one launcher expected" % (path, p["name"]))
        kind, conf = next(iter(launcher.items()))
        conf = conf or {}
        print("NODE %s|%s|%s|%s|%s|%s" % (
            p["name"], p["labelString"], kind,
            str(conf.get("webSocket", False)).lower(), p["remoteFS"],
            p.get("numExecutors", 1)))


def groovy_tokens(path):
    """(kind, text) tokens: id, str, punct, nl.  Comments dropped."""
    text = open(path, encoding="utf-8").read()
    toks, i, n, line = [], 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            toks.append(("nl", "\n"))
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                die("%s:%d: unterminated comment" % (path, line))
            line += text.count("\n", i, j)
            i = j + 2
        elif c in "'\"":
            q = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(q)
            buf = []
            while True:
                if j >= n or (len(q) == 1 and text[j] == "\n"):
                    die("%s:%d: unterminated string" % (path, line))
                if text[j] == "\\":
                    buf.append(text[j:j + 2])
                    j += 2
                    continue
                if text.startswith(q, j):
                    break
                buf.append(text[j])
                j += 1
            body = "".join(buf)
            line += body.count("\n")
            toks.append(("str", body))
            i = j + len(q)
        elif c.isalpha() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            toks.append(("id", text[i:j]))
            i = j
        else:
            toks.append(("punct", c))
            i += 1
    stack = []
    pairs = {")": "(", "]": "[", "}": "{"}
    for k, t in toks:
        if k != "punct":
            continue
        if t in "([{":
            stack.append(t)
        elif t in ")]}":
            if not stack or stack.pop() != pairs[t]:
                die("%s: unbalanced %s" % (path, t))
    if stack:
        die("%s: unclosed %s" % (path, stack[-1]))
    return toks


# Declarative sections and Groovy words that are not steps.
GROOVY_NOT_STEPS = {
    "pipeline", "agent", "stages", "stage", "steps", "script", "post",
    "always", "success", "failure", "unstable", "changed", "fixed",
    "regression", "aborted", "cleanup", "unsuccessful", "environment",
    "parameters", "options", "triggers", "tools", "when", "parallel",
    "matrix", "input", "label", "node", "def", "if", "else", "for",
    "while", "return", "try", "catch", "finally", "string", "booleanParam",
    "choice", "text", "password", "any", "none", "true", "false", "null",
    "new", "throw",
}


def cmd_jenkinsfile(path):
    toks = groovy_tokens(path)
    starts = {"nl", "{", ";", "}", "=", "(", "!"}
    blocks = []             # labels of the enclosing { } blocks
    head = None             # the statement's leading name, for its block
    prev = "nl"
    for i, (k, t) in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else ("nl", "\n")
        if k == "punct" and t == "{":
            blocks.append(head or "?")
            head = None
        elif k == "punct" and t == "}":
            blocks.pop()
            head = None
        if k == "id" and t == "agent" and nxt == ("punct", "{"):
            j = i + 2
            while j < len(toks) and toks[j][0] == "nl":
                j += 1
            if toks[j] == ("id", "label") and toks[j + 1][0] == "str":
                print("AGENT %s" % toks[j + 1][1])
        if k == "id" and prev in starts:
            name = t
            if t == "docker" and [x[1] for x in toks[i:i + 3]] == \
                    ["docker", ".", "image"]:
                # docker.image(...).inside / .withRun / ...
                depth, j = 0, i + 3
                while j < len(toks):
                    if toks[j][1] == "(":
                        depth += 1
                    elif toks[j][1] == ")":
                        depth -= 1
                        if depth == 0:
                            break
                    j += 1
                if toks[j + 1][1] == "." and toks[j + 2][0] == "id":
                    name = "docker.image.%s" % toks[j + 2][1]
            if prev not in ("(", "!"):
                head = name
            is_call = nxt[0] == "str" or nxt == ("punct", "(") or (
                nxt[0] == "id" and i + 2 < len(toks) and
                toks[i + 2] == ("punct", ":"))
            if name.startswith("docker.image."):
                print("STEP %s %s" % (name, ",".join(blocks) or "-"))
            elif t not in GROOVY_NOT_STEPS and is_call:
                # the arguments: tokens up to the end of the statement
                args, depth, j = [], 0, i + 1
                while j < len(toks):
                    kk, tt = toks[j]
                    if kk == "nl" and depth == 0:
                        break
                    if tt in ("(", "["):
                        depth += 1
                    elif tt in (")", "]"):
                        depth -= 1
                        if depth < 0:
                            break
                    elif tt == "{" and depth == 0:
                        break
                    if kk == "str":
                        args.append("'%s'" % " ".join(tt.split()))
                    elif kk != "nl":
                        args.append(tt)
                    j += 1
                print("STEP %s %s %s" % (t, ",".join(blocks) or "-",
                                         " ".join(args)))
        if k == "nl":
            prev = "nl"
        elif k == "punct":
            prev = t
        else:
            prev = k


def main(argv):
    if len(argv) < 3:
        die("usage: cfgtool.py yaml|pod|unit|envfile|execstart|dockerfile ARG")
    cmd, args = argv[1], argv[2:]
    if cmd == "yaml":
        cmd_yaml(args)
    elif cmd == "pod":
        cmd_pod(args[0])
    elif cmd == "unit":
        cmd_unit(args[0])
    elif cmd == "envfile":
        cmd_envfile(args[0])
    elif cmd == "execstart":
        cmd_execstart(args[0])
    elif cmd == "jenkinsfile":
        cmd_jenkinsfile(args[0])
    elif cmd == "casc":
        cmd_casc(args[0])
    elif cmd == "dockerfile":
        cmd_dockerfile(args[0])
    else:
        die("unknown command %s" % cmd)


if __name__ == "__main__":
    main(sys.argv)

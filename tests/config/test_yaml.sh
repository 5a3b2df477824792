#!/bin/sh
# Every YAML file of jenkins-config/ parses strictly (no duplicate keys,
# no tabs), and the JCasC files declare what jenkins-config/README.md says:
# permanent inbound nodes labelled "c-docker" plus exactly one of "dood"
# or "dind", both kinds in each file, all WebSocket in nodes-websocket.yaml
# (no TCP agent port) and all TCP in nodes-tcp.yaml (port 50000).
. "$(dirname "$0")/../agent/lib.sh"
. "$top_srcdir/tests/config/lib.sh"
cfg_python
files=$(find "$CFG_DIR" -name '*.yaml' -o -name '*.yml' | sort)
[ -n "$files" ] || bail "no YAML file under $CFG_DIR"
n=0
for f in $files; do n=$((n + 1)); done
plan $((n + 5))
for f in $files; do
	check "${f#$top_srcdir/} parses (strict YAML)" cfg yaml "$f"
done

# casc_nodes FILE WS PORT: every node inbound, webSocket WS; labels
# "c-docker" + one of dood/dind; both present; slaveAgentPort PORT.
casc_nodes() {
	local f=$1 ws=$2 port=$3 out line rest name labels kind sock dood=0 dind=0
	out=$(cfg casc "$f") || return 1
	printf '%s\n' "$out" | grep -qx "PORT $port" ||
		{ echo "# $f: slaveAgentPort is not $port"; return 1; }
	while IFS= read -r line; do
		case $line in NODE\ *) ;; *) continue ;; esac
		rest=${line#NODE }
		name=${rest%%|*}; rest=${rest#*|}
		labels=${rest%%|*}; rest=${rest#*|}
		kind=${rest%%|*}; rest=${rest#*|}
		sock=${rest%%|*}
		case $kind in inbound|jnlp) ;; *)
			echo "# $name: launcher $kind is not inbound"; return 1 ;;
		esac
		[ "$sock" = "$ws" ] ||
			{ echo "# $name: webSocket $sock, want $ws"; return 1; }
		case " $labels " in *" c-docker "*) ;; *)
			echo "# $name: no c-docker label"; return 1 ;;
		esac
		case " $labels " in
		*" dood "*" dind "*|*" dind "*" dood "*)
			echo "# $name: both dood and dind"; return 1 ;;
		*" dood "*) dood=$((dood + 1)) ;;
		*" dind "*) dind=$((dind + 1)) ;;
		*) echo "# $name: neither dood nor dind"; return 1 ;;
		esac
	done <<EOT
$out
EOT
	[ $dood -ge 1 ] && [ $dind -ge 1 ] ||
		{ echo "# $f: want dood and dind nodes ($dood, $dind)"; return 1; }
}
check "casc/nodes-websocket.yaml: inbound WebSocket nodes c-docker+dood and c-docker+dind, no TCP port" \
    casc_nodes "$CFG_DIR/casc/nodes-websocket.yaml" true -1
check "casc/nodes-tcp.yaml: inbound TCP nodes c-docker+dood and c-docker+dind, agent port 50000" \
    casc_nodes "$CFG_DIR/casc/nodes-tcp.yaml" false 50000

node_names() {
	cfg casc "$1" | sed -n 's/^NODE \([^|]*\)|.*/\1/p'
}
all=$( (node_names "$CFG_DIR/casc/nodes-websocket.yaml";
    node_names "$CFG_DIR/casc/nodes-tcp.yaml") | sort)
check "node names are unique across the JCasC files" \
    test "$(printf '%s\n' "$all" | sort -u | wc -l)" = "$(printf '%s\n' "$all" | wc -l)"
# The systemd example connects the node its env file names.
envname=$(cfg envfile "$CFG_DIR/systemd/jnagent.env" | sed -n 's/^JENKINS_AGENT_NAME=//p')
check "systemd/jnagent.env names a node of the JCasC files ($envname)" \
    sh -c 'printf "%s\n" "$1" | grep -qx -- "$2"' _ "$all" "$envname"

# The checker itself rejects what it must.
bad=$(mktemp -d "${TMPDIR:-/tmp}/jnagent-yaml.XXXXXX")
printf 'a: 1\nb:\n  c: 2\na: 3\n' > "$bad/dup.yaml"
printf 'a:\n\tb: 1\n' > "$bad/tab.yaml"
printf 'a: [1, 2\n' > "$bad/open.yaml"
check "the checker rejects duplicate keys, tabs and unclosed flow sequences" \
    sh -c '! "$1" "$2" yaml "$3/dup.yaml" 2>/dev/null &&
        ! "$1" "$2" yaml "$3/tab.yaml" 2>/dev/null &&
        ! "$1" "$2" yaml "$3/open.yaml" 2>/dev/null' _ "$PY" "$CFGTOOL" "$bad"
rm -rf "$bad"
[ "$tap_failed" -eq 0 ]

# tests/config/lib.sh: shared by tests/config/test_*.sh (sourced after
# tests/agent/lib.sh, whose TAP and controller helpers they use).
#   cfg_python     sets PY to a python3 with the yaml module, or skips
#   cfg TOOLARGS   runs tests/config/cfgtool.py
CFG_DIR=$top_srcdir/jenkins-config
CFGTOOL=$top_srcdir/tests/config/cfgtool.py

cfg_python() {
	local p
	for p in /usr/bin/python3 python3; do
		if command -v "$p" >/dev/null 2>&1 &&
		    "$p" -c 'import yaml' >/dev/null 2>&1; then
			PY=$p
			return 0
		fi
	done
	skip_all "no python3 with the yaml module (python3-yaml, scripts/deps.sh)"
}

cfg() {
	"$PY" "$CFGTOOL" "$@"
}

# plan N: print the TAP plan of a test that does not use e2e_init.
plan() {
	echo "1..$1"
}

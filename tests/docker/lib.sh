# tests/docker/lib.sh: a private dockerd for tests (sourced by sh/bash).
#
#   . "$top_srcdir/tests/docker/lib.sh"
#   if docker_test_start; then trap docker_test_stop EXIT; ...; fi
#
# docker_test_start starts dockerd on its own socket, data root and exec
# root under a new temp dir (never /var/run/docker.sock), plus a TLS
# listener on 127.0.0.1 when openssl can make certificates, and builds a
# busybox root file system tar.  It sets:
#   DOCKER_TEST_DIR     the temp dir
#   DOCKER_TEST_HOST    unix://<dir>/docker.sock
#   DOCKER_TEST_ROOTFS  <dir>/rootfs.tar (busybox + sh echo cat sleep ls
#                       true false ... links, /tmp, /etc/passwd)
#   DOCKER_TEST_TLS_HOST tcp://127.0.0.1:<port> (only with TLS)
#   DOCKER_TEST_CERTS   <dir>/certs: client/{ca,cert,key}.pem and
#                       noclient/ca.pem (only with TLS)
# and returns 0; otherwise it returns 1 with the reason in DOCKER_TEST_SKIP.
# docker_test_image NAME imports the rootfs as image NAME (curl, no docker
# CLI needed).  docker_test_stop stops dockerd, makes sure no containerd
# or shim of it survives, unmounts and removes the temp dir.

DOCKER_TEST_PID=

_docker_test_certs() {
	_c=$1
	mkdir -p "$_c/client" "$_c/noclient" || return 1
	_ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	# shellcheck disable=SC2086
	openssl req -x509 $_ec -days 2 -subj /CN=jnagent-test-ca \
	    -keyout "$_c/ca-key.pem" -out "$_c/ca.pem" >/dev/null 2>&1 &&
	openssl req $_ec -subj /CN=127.0.0.1 -keyout "$_c/server-key.pem" \
	    -out "$_c/server.csr" >/dev/null 2>&1 &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' \
	    > "$_c/server.ext" &&
	openssl x509 -req -in "$_c/server.csr" -CA "$_c/ca.pem" \
	    -CAkey "$_c/ca-key.pem" -CAcreateserial -days 2 \
	    -extfile "$_c/server.ext" -out "$_c/server-cert.pem" \
	    >/dev/null 2>&1 &&
	openssl req $_ec -subj /CN=jnagent-test-client \
	    -keyout "$_c/client/key.pem" -out "$_c/client.csr" \
	    >/dev/null 2>&1 &&
	printf 'extendedKeyUsage=clientAuth\n' > "$_c/client.ext" &&
	openssl x509 -req -in "$_c/client.csr" -CA "$_c/ca.pem" \
	    -CAkey "$_c/ca-key.pem" -CAcreateserial -days 2 \
	    -extfile "$_c/client.ext" -out "$_c/client/cert.pem" \
	    >/dev/null 2>&1 &&
	cp "$_c/ca.pem" "$_c/client/ca.pem" &&
	cp "$_c/ca.pem" "$_c/noclient/ca.pem"
}

_docker_test_rootfs() {
	_r=$1/rootfs
	_bb=$(command -v busybox) || return 1
	mkdir -p "$_r/bin" "$_r/tmp" "$_r/etc" "$_r/root" || return 1
	chmod 1777 "$_r/tmp"
	cp "$_bb" "$_r/bin/busybox" || return 1
	for _l in sh echo cat sleep ls true false env id mkdir rm touch \
	    printf test wc head kill ps; do
		ln -s busybox "$_r/bin/$_l" || return 1
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
	    > "$_r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' > "$_r/etc/group"
	tar -C "$_r" --owner=0 --group=0 -cf "$1/rootfs.tar" . || return 1
}

_docker_test_ping() {
	curl -sf --max-time 2 --unix-socket "$DOCKER_TEST_DIR/docker.sock" \
	    http://docker/_ping >/dev/null 2>&1
}

docker_test_start() {
	DOCKER_TEST_SKIP=
	if [ "$(id -u)" != 0 ]; then
		DOCKER_TEST_SKIP="dockerd needs root"; return 1
	fi
	for _p in dockerd containerd runc curl tar busybox; do
		if ! command -v $_p >/dev/null 2>&1; then
			DOCKER_TEST_SKIP="$_p not installed"; return 1
		fi
	done
	DOCKER_TEST_DIR=$(mktemp -d /tmp/jnagent-docker.XXXXXX) || {
		DOCKER_TEST_SKIP="mktemp failed"; return 1; }
	_d=$DOCKER_TEST_DIR
	if ! _docker_test_rootfs "$_d"; then
		DOCKER_TEST_SKIP="cannot build the busybox rootfs"
		docker_test_stop; return 1
	fi
	echo '{}' > "$_d/daemon.json"
	_tls=
	DOCKER_TEST_TLS_HOST=
	DOCKER_TEST_CERTS=
	if command -v openssl >/dev/null 2>&1 &&
	    _docker_test_certs "$_d/certs"; then
		_port=
		for _try in 1 2 3 4 5 6 7 8; do
			_p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000))
			if ! command -v ss >/dev/null 2>&1 ||
			    [ -z "$(ss -Htln "sport = :$_p" 2>/dev/null)" ]; then
				_port=$_p; break
			fi
		done
		if [ -n "$_port" ]; then
			DOCKER_TEST_TLS_HOST=tcp://127.0.0.1:$_port
			DOCKER_TEST_CERTS=$_d/certs
			_tls="--host $DOCKER_TEST_TLS_HOST --tlsverify
			    --tlscacert $_d/certs/ca.pem
			    --tlscert $_d/certs/server-cert.pem
			    --tlskey $_d/certs/server-key.pem"
		fi
	fi
	# shellcheck disable=SC2086
	dockerd --config-file "$_d/daemon.json" \
	    --host "unix://$_d/docker.sock" $_tls \
	    --data-root "$_d/root" --exec-root "$_d/exec" \
	    --pidfile "$_d/docker.pid" --bridge=none --iptables=false \
	    --log-level=warn </dev/null >"$_d/dockerd.log" 2>&1 &
	DOCKER_TEST_PID=$!
	_i=0
	while [ $_i -lt 150 ]; do
		if _docker_test_ping; then
			break
		fi
		if ! kill -0 "$DOCKER_TEST_PID" 2>/dev/null; then
			DOCKER_TEST_SKIP="dockerd exited: $(tail -n 3 \
			    "$_d/dockerd.log" | tr '\n' ' ' | cut -c1-300)"
			docker_test_stop; return 1
		fi
		sleep 0.2
		_i=$((_i + 1))
	done
	if ! _docker_test_ping; then
		DOCKER_TEST_SKIP="dockerd did not answer /_ping in 30 s"
		docker_test_stop; return 1
	fi
	DOCKER_TEST_HOST=unix://$_d/docker.sock
	DOCKER_TEST_ROOTFS=$_d/rootfs.tar
	export DOCKER_TEST_DIR DOCKER_TEST_HOST DOCKER_TEST_ROOTFS \
	    DOCKER_TEST_TLS_HOST DOCKER_TEST_CERTS
	return 0
}

docker_test_image() {
	curl -sf --unix-socket "$DOCKER_TEST_DIR/docker.sock" -X POST \
	    -H 'Content-Type: application/x-tar' \
	    --data-binary "@$DOCKER_TEST_ROOTFS" \
	    "http://docker/images/create?fromSrc=-&repo=${1%%:*}&tag=$(
	    case $1 in *:*) echo "${1##*:}";; *) echo latest;; esac)" \
	    >/dev/null
}

# Process ids whose command line names the temp dir (unique to this run):
# the containerd dockerd spawned and its shims.
_docker_test_pids() {
	pgrep -f -- "$DOCKER_TEST_DIR/" 2>/dev/null | while read -r _pid; do
		[ "$_pid" = $$ ] || echo "$_pid"
	done
}

docker_test_stop() {
	[ -n "${DOCKER_TEST_DIR:-}" ] || return 0
	if [ -n "$DOCKER_TEST_PID" ] && kill -0 "$DOCKER_TEST_PID" 2>/dev/null
	then
		kill -TERM "$DOCKER_TEST_PID" 2>/dev/null
		_i=0
		while kill -0 "$DOCKER_TEST_PID" 2>/dev/null && [ $_i -lt 100 ]
		do
			sleep 0.2; _i=$((_i + 1))
		done
		kill -KILL "$DOCKER_TEST_PID" 2>/dev/null
		wait "$DOCKER_TEST_PID" 2>/dev/null
	fi
	DOCKER_TEST_PID=
	# containerd and shims normally leave with dockerd; make sure.
	for _sig in TERM KILL; do
		_left=$(_docker_test_pids)
		[ -n "$_left" ] || break
		for _p in $_left; do kill -$_sig "$_p" 2>/dev/null; done
		sleep 1
	done
	# Leftover mounts (overlay, shm, netns) under the temp dir, deepest first.
	awk -v d="$DOCKER_TEST_DIR/" 'index($2, d) == 1 { print $2 }' \
	    /proc/mounts 2>/dev/null | sort -r | while read -r _m; do
		umount -l "$_m" 2>/dev/null
	done
	rm -rf "$DOCKER_TEST_DIR"
	DOCKER_TEST_DIR=
}

# dind_e2e_start: the set-up of an end-to-end DinD test (tests/agent/lib.sh
# sourced first, for skip_all and the JDK): a private dockerd with the
# busybox image and the DinD image jnagent-dind:test (mkdind.sh), stopped
# at exit; skips the test when any of it is missing.
dind_e2e_start() {
	command -v docker >/dev/null 2>&1 || skip_all "no docker CLI"
	[ -n "$JAVAC" ] && [ -n "$JAVA" ] || skip_all "no JDK (JAVAC/JAVA empty)"
	docker_test_start || skip_all "$DOCKER_TEST_SKIP"
	trap docker_test_stop EXIT
	docker_test_image busybox || skip_all "busybox import failed"
	_why=$(sh "$top_srcdir/tests/docker/mkdind.sh" "$DOCKER_TEST_DIR" \
	    jnagent-dind:test "$DOCKER_TEST_DIR/docker.sock" 2>&1) ||
		skip_all "cannot assemble the DinD image: $_why"
}

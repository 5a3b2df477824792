#!/bin/sh
# mkrootfs.sh: assemble the root file system of jnagent's image from local
# files only (nothing is downloaded), as a tar for "docker import":
#
#   packaging/mkrootfs.sh JNAGENT OUT.tar [DOCKER_CLI]
#
# It holds jnagent (with jenkins-agent and jenkins-slave links, the names
# of the jenkins/inbound-agent entry point), the shared libraries ldd
# lists for it, busybox (static) as /bin/sh and the usual tools, the docker
# CLI (default: the one on PATH), the CA certificates, and the jenkins user
# (uid/gid 1000) with /home/jenkins/agent.  Run as root (file owners).
set -eu

usage() {
	echo "usage: $0 JNAGENT OUT.tar [DOCKER_CLI]" >&2
	exit 2
}
[ $# -ge 2 ] && [ $# -le 3 ] || usage
jnagent=$1
out=$2
docker_cli=${3:-$(command -v docker || true)}
[ -x "$jnagent" ] || { echo "$0: $jnagent is not an executable" >&2; exit 1; }
[ -n "$docker_cli" ] && [ -x "$docker_cli" ] ||
	{ echo "$0: no docker CLI (give DOCKER_CLI)" >&2; exit 1; }
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "$0: busybox (busybox-static) not found" >&2; exit 1; }
if ldd "$busybox" >/dev/null 2>&1; then
	echo "$0: $busybox is dynamically linked; install busybox-static" >&2
	exit 1
fi

r=$(mktemp -d "${TMPDIR:-/tmp}/jnagent-rootfs.XXXXXX")
trap 'rm -rf "$r"' EXIT

# copy_libs BINARY: the libraries (and the loader) it needs, same paths.
copy_libs() {
	ldd "$1" 2>/dev/null | awk '
	    /=> \// { print $3; next }
	    /^[ \t]*\/[^ ]+ \(0x/ { print $1 }' | while read -r lib; do
		[ -e "$r$lib" ] && continue
		mkdir -p "$r${lib%/*}"
		cp -L "$lib" "$r$lib"
	done
}

# copy_dlopened BINARY: libraries it loads with dlopen() (sonames in its
# strings that ldd does not list, e.g. libcurl.so.4 loaded on first use),
# from the directory of its libc, with what they need in turn.
copy_dlopened() {
	libdir=$(ldd "$1" 2>/dev/null | awk '$1 ~ /^libc\.so/ { print $3 }')
	libdir=${libdir%/*}
	[ -n "$libdir" ] || return 0
	grep -aoE 'lib[A-Za-z0-9_+-]+\.so\.[0-9]+' "$1" | sort -u |
	    while read -r so; do
		[ -e "$r$libdir/$so" ] && continue
		for d in "$libdir" "/usr$libdir" "${libdir#/usr}"; do
			[ -e "$d/$so" ] || continue
			mkdir -p "$r$d"
			cp -L "$d/$so" "$r$d/$so"
			copy_libs "$d/$so"
			break
		done
	done
}

mkdir -p "$r/bin" "$r/usr/bin" "$r/usr/local/bin" "$r/etc/ssl/certs" \
    "$r/tmp" "$r/root" "$r/home/jenkins/agent" "$r/home/jenkins/.jenkins" \
    "$r/proc" "$r/sys" "$r/dev" "$r/run" "$r/var/run" "$r/usr/lib/ssl"
chmod 1777 "$r/tmp"
chmod 0700 "$r/root"

cp "$jnagent" "$r/usr/local/bin/jnagent"
chmod 0755 "$r/usr/local/bin/jnagent"
ln -s jnagent "$r/usr/local/bin/jenkins-agent"
ln -s jnagent "$r/usr/local/bin/jenkins-slave"
copy_libs "$jnagent"
copy_dlopened "$jnagent"

cp "$docker_cli" "$r/usr/local/bin/docker"
chmod 0755 "$r/usr/local/bin/docker"
copy_libs "$docker_cli"

cp "$busybox" "$r/bin/busybox"
for a in $("$busybox" --list); do
	case $a in busybox|*/*) continue ;; esac
	[ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
done
# #!/usr/bin/env and #!/usr/bin/sh scripts
ln -s ../../bin/busybox "$r/usr/bin/env"
ln -s ../../bin/busybox "$r/usr/bin/sh"

if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
	cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/"
	ln -s ../../../etc/ssl/certs "$r/usr/lib/ssl/certs"
	ln -s ../../../etc/ssl/certs/ca-certificates.crt "$r/usr/lib/ssl/cert.pem"
fi

cat > "$r/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
jenkins:x:1000:1000:Jenkins agent:/home/jenkins:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$r/etc/group" <<'GROUP'
root:x:0:
jenkins:x:1000:
nogroup:x:65534:
GROUP
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$r/etc/nsswitch.conf"
chown -R 1000:1000 "$r/home/jenkins"
chmod 0755 "$r/home/jenkins"

mkdir -p "$(dirname "$out")"
tar -C "$r" --numeric-owner -cf "$out.tmp" . && mv -f "$out.tmp" "$out"

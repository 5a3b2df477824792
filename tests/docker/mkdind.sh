#!/bin/sh
# mkdind.sh DIR REPO:TAG SOCKET: assemble a Docker-in-Docker image from
# this host's docker.io files (dockerd, containerd, the runc shim, runc,
# docker-init, the docker CLI, the libraries ldd names, busybox) in DIR
# and import it into the daemon at unix SOCKET through the Engine API.
# Nothing is pulled.  The image has no entrypoint: jnagent's DinD manager
# gives "dockerd ..." as the command.  Exit status 0, or 1 with the reason
# on stderr.
set -u
dir=$1 ref=$2 sock=$3
r=$dir/dind-rootfs
rm -rf "$r"
mkdir -p "$r/bin" "$r/usr/bin" "$r/usr/sbin" "$r/usr/local/bin" "$r/etc" \
    "$r/tmp" "$r/run" "$r/var/lib/docker" "$r/var/run" "$r/proc" "$r/sys" \
    "$r/dev" "$r/root" || exit 1
chmod 1777 "$r/tmp"
bins=
for b in dockerd containerd containerd-shim-runc-v2 runc docker-init docker \
    busybox; do
	p=$(command -v $b) || { echo "mkdind: $b not installed" >&2; exit 1; }
	cp -L "$p" "$r/usr/bin/$b" || exit 1
	bins="$bins $p"
done
# Libraries (and the loader) as ldd lists them, at the same paths.
for l in $(ldd $bins 2>/dev/null | awk '/=>/ { print $3 } /^\t\// { print $1 }' |
    sort -u); do
	[ -f "$l" ] || continue
	mkdir -p "$r$(dirname "$l")" && cp -L "$l" "$r$l" || exit 1
done
for l in sh ls cat echo sleep mkdir rm mount umount ps kill env id true \
    false grep; do
	ln -sf /usr/bin/busybox "$r/bin/$l"
done
# iptables is not needed: "dockerd" in the image is a wrapper that runs the
# real one with --bridge=none --iptables=false (as docker:dind's entrypoint
# adds its own defaults).
mv "$r/usr/bin/dockerd" "$r/usr/bin/dockerd.real"
printf '#!/bin/sh\nexec /usr/bin/dockerd.real --bridge=none --iptables=false "$@"\n' \
    > "$r/usr/bin/dockerd"
chmod 755 "$r/usr/bin/dockerd"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$r/etc/passwd"
printf 'root:x:0:\ndocker:x:0:\n' > "$r/etc/group"
printf 'hosts: files\n' > "$r/etc/nsswitch.conf"
tar -C "$r" --owner=0 --group=0 -cf "$dir/dind.tar" . || exit 1
rm -rf "$r"
out=$(curl -sS --unix-socket "$sock" -X POST \
    -H 'Content-Type: application/x-tar' --data-binary "@$dir/dind.tar" \
    "http://docker/images/create?fromSrc=-&repo=${ref%%:*}&tag=${ref##*:}" \
    2>&1) || { echo "mkdind: import failed: $out" >&2; exit 1; }
rm -f "$dir/dind.tar"
case $out in *'"error'*) echo "mkdind: import failed: $out" >&2; exit 1;; esac
exit 0

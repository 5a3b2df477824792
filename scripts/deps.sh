#!/usr/bin/env bash
# Installs what jnagent needs to build and test on Debian 12 (run as root).
set -euo pipefail
pkgs=(build-essential autoconf automake libtool pkg-config clang
      libclang-rt-14-dev
      libssl-dev libmbedtls-dev zlib1g-dev libcurl4-openssl-dev libcjson-dev libarchive-dev
      libwslay-dev openjdk-17-jdk-headless openssl curl ca-certificates
      docker.io busybox-static iproute2 procps python3-yaml groff-base git
      git-lfs)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

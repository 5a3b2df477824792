#!/bin/sh
# jnagent loads libcurl and libarchive on first use only (agent/lazy.h):
# plain http without a proxy never maps them; a proxy variable sends
# discovery and the WebSocket connection through libcurl, loaded on
# demand (no_proxy keeps the traffic on loopback, direct).  A build with
# --with-tls=mbedtls does not map libcrypto for plain http either.
. "$(dirname "$0")/lib.sh"
e2e_init 11

maps_has() {	# maps_has PID LIBNAME
	grep -q "/$2" "/proc/$1/maps" 2>/dev/null
}

ctl_start || bail "test controller did not start"
agent_start -url "$URL" -name "$NODE" -secret "$SECRET" -workDir "$T/work"
check "plain http: online" wait_line "$T/ctl.out" '^ONLINE 1$' 30
check "plain http: libcurl not loaded" eval '! maps_has "$AGENT_PID" libcurl.so'
check "plain http: libarchive not loaded" \
    eval '! maps_has "$AGENT_PID" libarchive.so'
# --with-tls=mbedtls: JNLP4-connect on Mbed TLS, libcrypto not mapped
# until a feature needs it; the default build runs it on OpenSSL.
if maps_has "$AGENT_PID" libmbedtls.so; then
	check "Mbed TLS build: online with no libcrypto mapped" \
	    eval '! maps_has "$AGENT_PID" libcrypto.so'
else
	check "OpenSSL build: online with libssl mapped" \
	    maps_has "$AGENT_PID" libssl.so
fi
check "plain http: controller verdict RESULT ok" ctl_finished 30

next_run plain
ctl_start || bail "test controller did not start"
export all_proxy=http://127.0.0.1:9 no_proxy=127.0.0.1,localhost
agent_start -url "$URL" -name "$NODE" -secret "$SECRET" -workDir "$T/work"
unset all_proxy no_proxy
check "proxy variable set: discovery through libcurl, online" \
    wait_line "$T/ctl.out" '^ONLINE 1$' 30
check "proxy variable set: libcurl loaded on demand" \
    maps_has "$AGENT_PID" libcurl.so
check "libcurl path: controller verdict RESULT ok" ctl_finished 30

next_run curl-jnlp4
ctl_start --ws-ping 1 || bail "test controller did not start"
export all_proxy=http://127.0.0.1:9 no_proxy=127.0.0.1,localhost
agent_start -url "$URL" -webSocket -name "$NODE" -secret "$SECRET" \
    -workDir "$T/work"
unset all_proxy no_proxy
check "-webSocket through libcurl (CONNECT_ONLY): online" \
    wait_line "$T/ctl.out" '^ONLINE 1$' 30
check "-webSocket: libcurl loaded on demand" maps_has "$AGENT_PID" libcurl.so
check "-webSocket through libcurl: controller verdict RESULT ok" \
    ctl_finished 30
ctl_verdict
e2e_done

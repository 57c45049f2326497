#!/bin/bash
# Device names users give, as Linux accepts them, come out of pwire's
# reports safely: `--json` lines parse as JSON with the name intact (a quote,
# a backslash), and text never carries a control character of a name raw
# (it is shown as \xNN). Runs pwire on loopback in a throw-away namespace.
set -u
: "${PWIRE:?PWIRE must name the pwire binary}" "${TESTS:?}"
. "$TESTS/lib.sh"
ns=pwname$$
run ip netns add "$ns" || { echo "SKIP: cannot create a network namespace"; exit 77; }
namespaces+=("$ns")
ip -n "$ns" link set lo up
fail() { echo "FAIL: $*"; cat "$tmp"/*; exit 1; }

# name, extra words; each pwire is stopped before the next starts.
check() {
	local name=$1 out=$tmp/out.$2
	shift 2
	pw_start "$ns" "$out" up "$name" local 127.0.0.1 remote 127.0.0.1 udp_sport 17101 \
		udp_dport 17102 session_id 1 peer_session_id 2 "$@"
	pw_wait_up "$ns" "$name" || fail "pwire did not bring '$name' up"
	kill -USR1 "${pids[-1]}"
	sleep 0.3
	pw_stop
}

check 'a"b\c' json --json
python3 - "$tmp/out.json" <<'PY' || fail "--json output is not JSON with the name intact"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, lines  # SIGUSR1 and exit
for l in lines:
    assert json.loads(l)["ifname"] == 'a"b\\c', l
print("json: %d lines parse, ifname intact" % len(lines))
PY

check "$(printf 'p\033w')" text
if LC_ALL=C grep -q "$(printf '\033')" "$tmp/out.text" "$tmp/out.text.err"; then
	fail "a control character of the name reached the output raw"
fi
# The report's path is the one the start-up line said (auto over lo: the
# kernel's where BPF programs load, else the userspace engine).
path=$(sed -En 's/^pwire: .* up: .*, path (kernel|user)( .*)?$/\1/p' "$tmp/out.text.err")
[ -n "$path" ] || fail "the start-up line says no path"
grep -Eq "^p\\\\x1bw: session_id 1 peer_session_id 2 rx_idle_seconds (never|[0-9]+) path $path\$" "$tmp/out.text" ||
	fail "the text report does not show the name as p\\x1bw with path $path"
echo "text: the name shows as p\\x1bw"
echo PASS

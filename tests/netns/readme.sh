#!/bin/bash
# tests/netns/readme.sh: the README's examples, run as written. Each pair
# of `pwire up` lines in one of its code blocks (the first example: A and B;
# the QEMU and UML spellings: A and B) runs as A and B in two namespaces
# whose underlay has the README's addresses:
#
#   netns A: pw0 10.99.0.1/24            netns B: pw0 10.99.0.2/24
#      pwire --- ul0 192.0.2.1 === veth === 192.0.2.2 ul0 --- pwire
#
# The two start-up lines must be mirror images (A's local:port -> remote:port
# is B's remote:port <- local:port, ids and cookie lengths swapped, the same
# sublayer, seq and MTU), the README's own start-up line and `mtu N` must be
# what pwire printed, a ping must go through, and the README's per-device
# pkill pattern must pick both (each runs pw0) and no pwire of another device.
# So the test breaks when the README drifts from what pwire does.
set -eu
# shellcheck source=../lib.sh
. "$TESTS/lib.sh"
readme=$TESTS/../README.md
a=pwreadA$$ b=pwreadB$$

# The README's commands: blocks of two `pwire up` lines, with what the
# README says about them (the block's start-up line, the `mtu N` of the
# sentence after it), one pair per line of $tmp/pairs as JSON.
python3 - "$readme" >"$tmp/pairs" <<'PY'
import json, re, shlex, sys
text = open(sys.argv[1]).read()
blocks = [(m.start(), m.end(), m.group(1)) for m in re.finditer(r"```[a-z]*\n(.*?)```", text, re.S)]
for i, (start, end, body) in enumerate(blocks):
    cmds = [c.strip() for c in body.replace("\\\n", " ").splitlines()]
    ups = [shlex.split(c)[1:] for c in cmds if c.startswith("pwire up ")]
    if len(ups) != 2:
        continue
    # What the README says next: the following block's start-up line, or
    # the first `mtu N` of the prose before the next block.
    nxt = blocks[i + 1] if i + 1 < len(blocks) else (len(text), len(text), "")
    prose = text[end:nxt[0]]
    line = nxt[2].strip() if nxt[2].startswith("pwire: ") and not prose.strip().startswith("#") else ""
    mtu = re.search(r"mtu (\d+)", prose if not line else line)
    print(json.dumps({"a": ups[0], "b": ups[1], "line": line,
                      "mtu": mtu.group(1) if mtu else ""}))
PY
pkill_line=$(grep -m1 '^pkill -USR1 -f ' "$readme" | sed 's/ *#.*//')
cat "$tmp/pairs"
echo "README per-device signal: $pkill_line"
[ "$(wc -l <"$tmp/pairs")" -ge 2 ] || { echo "FAIL: fewer than two A/B pairs in the README"; exit 1; }
grep -q -- '--qemu' "$tmp/pairs" && grep -q -- '--uml' "$tmp/pairs" ||
	{ echo "FAIL: the README's QEMU and UML example is not an A/B pair"; exit 1; }
[ -n "$pkill_line" ] || { echo "FAIL: no 'pkill -USR1 -f' line in the README"; exit 1; }

pw_pair "$a" "$b" 192.0.2.1 192.0.2.2 24

# The start-up line of OUT's pwire, once it is there (bounded).
layout() {
	local _
	for _ in $(seq 50); do
		grep -m1 '^pwire: pw0 up: ' "$1.err" && return 0
		sleep 0.1
	done
	echo "FAIL: no start-up line in $1.err" >&2
	cat "$1.err" >&2
	return 1
}

n=0
while read -r pair; do
	n=$((n + 1))
	mapfile -t wa < <(python3 -c 'import json, sys; print("\n".join(json.loads(sys.argv[1])["a"]))' "$pair")
	mapfile -t wb < <(python3 -c 'import json, sys; print("\n".join(json.loads(sys.argv[1])["b"]))' "$pair")
	echo "== README pair $n"
	pw_start "$a" "$tmp/a$n" "${wa[@]}"
	pw_start "$b" "$tmp/b$n" "${wb[@]}"
	pw_wait_up "$a" pw0
	pw_wait_up "$b" pw0
	la=$(layout "$tmp/a$n")
	lb=$(layout "$tmp/b$n")
	echo "A: $la"
	echo "B: $lb"
	python3 - "$pair" "$la" "$lb" <<'PY'
import json, re, sys
pair, la, lb = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
pat = (r"pwire: pw0 up: encap (\S+) (\S+):(\d+) -> (\S+):(\d+), session_id (\d+) "
       r"peer_session_id (\d+), cookie (\d+) bytes out (\d+) in, (.*), mtu (\d+),")
ma, mb = re.match(pat, la), re.match(pat, lb)
if not ma or not mb:
    sys.exit(f"FAIL: a start-up line is not in the form this test reads:\n{la}\n{lb}")
A, B = ma.groups(), mb.groups()
mirror = (A[0] == B[0] and A[1:3] == B[3:5] and A[3:5] == B[1:3] and A[5] == B[6] and
          A[6] == B[5] and A[7] == B[8] and A[8] == B[7] and A[9] == B[9] and A[10] == B[10])
if not mirror:
    sys.exit("FAIL: the two ends are not one pseudowire (their layouts do not mirror)")
if not pair["mtu"]:
    sys.exit("FAIL: the README says no `mtu N` for this example")
if pair["mtu"] != A[10]:
    sys.exit(f"FAIL: the README says mtu {pair['mtu']}, pwire printed mtu {A[10]}")
# The README's start-up line, up to who pwire runs as (this host's users)
# and the path (the README's hosts have NICs, this test a veth): the
# README's path in the form pwire prints it, ours the userspace engine's
# (the default fastpath auto over a veth).
strip = lambda s: re.sub(r", user \S+, path .*$", "", s)
for l in (la, lb):
    if not l.endswith(", path user"):
        sys.exit(f"FAIL: a start-up line over the veth does not end in ', path user':\n{l}")
if pair["line"] and not re.search(r", user \S+, path (user|kernel \(TC programs on pw0 and \S+\))$", pair["line"]):
    sys.exit(f"FAIL: the README's start-up line does not end in a user and a path as pwire prints them:\n{pair['line']}")
if pair["line"] and strip(pair["line"]) != strip(la):
    sys.exit(f"FAIL: the README's start-up line differs from pwire's:\n{pair['line']}\n{la}")
print(f"ok: mirrored, mtu {A[10]} as the README says" + (", its start-up line is pwire's" if pair["line"] else ""))
PY
	ip -n "$a" addr add 10.99.0.1/24 dev pw0
	ip -n "$b" addr add 10.99.0.2/24 dev pw0
	run ip netns exec "$a" ping -c 3 -i 0.2 -w 10 10.99.0.2

	# The README's per-device line, as pgrep (no signal to anyone's pwire):
	# it must name both of ours (each runs pw0).
	pattern=$(eval "set -- ${pkill_line#pkill -USR1 -f }; echo \"\$1\"")
	found=$(pgrep -f "$pattern" || true)
	for p in "${pids[@]}"; do
		grep -qx "$p" <<<"$found" || { echo "FAIL: '$pkill_line' misses pwire $p"; exit 1; }
	done
	pw_stop
	ip -n "$a" link show pw0 >/dev/null 2>&1 && { echo "FAIL: pw0 left in A"; exit 1; }
done <"$tmp/pairs"

# The pattern is the device's, not a prefix: a pwire of pw01 or of pw0x is
# not signalled, one started by its path or with no more words is.
for cmd in "pwire up pw0 remote 192.0.2.2" "/usr/local/bin/pwire up pw0" \
	"/work/build/pwire up pw0 --qemu src=1"; do
	grep -qE -- "$pattern" <<<"$cmd" || { echo "FAIL: '$pattern' misses '$cmd'"; exit 1; }
done
for cmd in "pwire up pw01 remote 192.0.2.2" "pwire up pw0x" "xpwire up pw0 remote 1"; do
	grep -qE -- "$pattern" <<<"$cmd" && { echo "FAIL: '$pattern' matches '$cmd'"; exit 1; }
done
echo "ok: $n README pairs ran as one pseudowire each; the per-device pattern is exact"

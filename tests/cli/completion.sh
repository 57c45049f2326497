#!/bin/bash
# tests/cli/completion.sh: bash completion (completions/pwire). Sources it in
# bash and asks it, as readline would (COMP_LINE, COMP_POINT, bash's default
# COMP_WORDBREAKS), what it offers:
#   - fixed cases: `pwire up pw0 l2s` -> l2spec_type, `encap ` -> udp ip, the
#     commands, DEV from /sys/class/net, --qemu keys after a comma, pwired;
#   - drift: every word and alias of src/cli/words.c's table is offered after
#     DEV; for each word whose bad-value error lists its values ("expected
#     none, send, recv or both", from this build's pwire), exactly those are
#     offered; every option of pwired's getopt string is offered.
#   - meson install (BUILD_ROOT) puts it in bash-completion/completions as
#     pwire and as pwired.
# Needs PWIRE and TESTS; BUILD_ROOT for the install check.
set -u
src=$TESTS/..
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# shellcheck source=../../completions/pwire
. "$src/completions/pwire" || { echo "FAIL: completions/pwire does not load"; exit 1; }
COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'

# What completing LINE (the cursor at its end) offers, one per line, sorted.
offers() {
	local fn=_pwire line=$1
	[[ $line == pwired* ]] && fn=_pwired
	COMP_LINE=$line
	COMP_POINT=${#line}
	read -ra COMP_WORDS <<<"$line"
	[[ $line == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
	printf '%s\n' "${COMPREPLY[@]}" | sort
}
expect() {
	local got
	got=$(offers "$1" | xargs)
	[ "$got" = "$2" ] || bad "'$1<TAB>' offers '$got', expected '$2'"
}

for c in pwire pwired; do
	complete -p "$c" >/dev/null 2>&1 || bad "no completion registered for $c"
done
expect "pwire up pw0 l2s" "l2spec_type"
expect "pwire add vm9 l2s" "l2spec_type"
expect "pwire set vm9 encap " "ip udp"
expect "pwire up pw0 encap " "ip udp"
expect "pwire up pw0 encap udp seq " "both none recv send"
expect "pwire up pw0 peer " "cisco linux qemu uml"
expect "pwire up pw0 remote 192.0.2.2 l2spec_type " "counter32 default none"
expect "pwire up pw0 remote 192.0.2.2 --json io_uring " "off on"
expect "pwire up pw0 remote " ""
expect "pwire up pw0 encap udp e" ""
expect "pwire up pw0 user peer peer_c" "peer_cookie peer_cookie_file"
expect "pwire up pw0 name peer pe" "peer peer_cookie peer_cookie_file peer_offset peer_session_id peer_tunnel_id"
expect "pwire up pw0 --" "--help --impair --json --qemu --uml"
expect "pwire up vhost" "vhost-user-client: vhost-user:"
tmpd=$(mktemp -d)
touch "$tmpd/vm1.sock"
expect "pwire up vhost-user:$tmpd/vm" "$tmpd/vm1.sock"
expect "pwire up vhost-user-client:$tmpd/vm" "$tmpd/vm1.sock"
rm -rf "$tmpd"
expect "pwire up ip " "l2tp"
expect "pwire up ip l2tp " "add"
expect "pwire up ip l2tp add " "session tunnel"
expect "pwire up ip l2tp add tunnel remote 192.0.2.2 encap " "ip udp"
expect "pwire up ip l2tp add session name pw0 l2s" "l2spec_type"
expect "pwire up name pw0 sess" "session_id"
expect "pwire up na" "$( (ls /sys/class/net; echo name) | grep '^na' | sort | xargs)"
expect "pwire " "add del genkey help reload set show up version"
expect "pwire -s /run/x.sock sh" "show"
expect "pwire show --" "--json --prometheus"
expect "pwire up pw0 --qemu src=192.0.2.1,ds" "192.0.2.1,dst= 192.0.2.1,dstport="
expect "pwire up pw0 --uml 'transport=l2tpv3,rx_s" "transport=l2tpv3,rx_session="
expect "pwire up pw0 --impair seed=1,dr" "1,drop="
expect "pwired -" "-V -c -f -g -h -m -n -s"
expect "pwired -c /nonexistent/x" ""
expect "pwire up l" "$(cd /sys/class/net && printf '%s\n' l* | sort | xargs)"
expect "pwire up ip l2tp add session name l" "$(cd /sys/class/net && printf '%s\n' l* | sort | xargs)"
[ -n "$(offers "pwire up l")" ] || bad "no device offered for DEV (lo is in /sys/class/net)"

# Drift: the words of src/cli/words.c, names and aliases.
table=$(sed -n '/^static const struct word words\[\] = {/,/^};/p' "$src/src/cli/words.c")
words=$(sed -n 's/^[[:space:]]*{ "\([a-z0-9_]*\)", \("\([a-z0-9_]*\)"\)\{0,1\}.*/\1 \3/p' <<<"$table" | xargs)
[ "$(wc -w <<<"$words")" -ge 25 ] || bad "found only these words in words.c: $words"
offered=$(offers "pwire up pw0 ")
for w in $words; do
	grep -qx -- "$w" <<<"$offered" || bad "word $w (src/cli/words.c) is not completed after DEV"
done
for w in $offered; do
	grep -qw -- "$w" <<<"$words" || bad "completion offers $w, which is not in src/cli/words.c"
done

# Drift: the values each word's error message lists, from this build.
checked=0
for w in $words; do
	msg=$("$PWIRE" up pw0 "$w" zz-no-such-value 2>&1 | head -1)
	list=$(sed -n 's/.*(expected \([a-z0-9_]*\(, [a-z0-9_]*\)* or [a-z0-9_]*\))$/\1/p' <<<"$msg")
	[ -n "$list" ] || continue
	want=$(sed 's/, / /g; s/ or / /' <<<"$list" | tr ' ' '\n' | sort | xargs)
	expect "pwire up pw0 $w " "$want"
	checked=$((checked + 1))
done
[ "$checked" -ge 5 ] || bad "only $checked words list their values in their error (expected encap, l2spec_type, seq, io_uring, peer at least)"

# Drift: pwired's options.
letters=$(sed -n 's/.*getopt(argc, argv, "\([^"]*\)").*/\1/p' "$src/src/daemon/main.c" | tr -d ':')
offered=$(offers "pwired -")
for ((i = 0; i < ${#letters}; i++)); do
	grep -qx -- "-${letters:i:1}" <<<"$offered" || bad "pwired -${letters:i:1} is not completed"
done

# meson install puts it where bash-completion loads it, under both names.
if [ -n "${BUILD_ROOT:-}" ]; then
	root=$(mktemp -d)
	meson install -C "$BUILD_ROOT" --no-rebuild --destdir "$root" >"$root.log" 2>&1 ||
		{ cat "$root.log"; bad "meson install failed"; }
	for c in pwire pwired; do
		f=$(find "$root" -path "*/bash-completion/completions/$c")
		[ -n "$f" ] && cmp -s "$f" "$src/completions/pwire" ||
			bad "meson install did not install completions/pwire as bash-completion/completions/$c"
	done
	# And the rest the README's "Build by hand" says it installs.
	for f in bin/pwire sbin/pwired man8/pwire.8 man8/pwired.8 man5/pwire.conf.5 \
		system/pwired.service; do
		[ -n "$(find "$root" -path "*/$f")" ] || bad "meson install did not install $f"
	done
	rm -rf "$root" "$root.log"
fi

[ "$fail" = 0 ] && echo "ok: $(wc -w <<<"$words") words and aliases, $checked value lists, ${#letters} pwired options completed"
exit "$fail"

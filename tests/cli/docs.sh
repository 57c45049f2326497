#!/bin/bash
# tests/cli/docs.sh: the reference stays complete. Every option the code
# takes (each "-x"/"--xx" string literal of src/cli/*.c, each letter of
# pwired's getopt string) is in its man page's SYNOPSIS and in its --help;
# every word of pwire up's table (src/cli/words.c) is in man/pwire.8's WORDS
# and in pwire up --help; -V and --version print "pwire VERSION" (meson's).
# Reads the sources, so the next option added without its documentation
# fails here. Needs PWIRE, PWIRED, TESTS and VERSION.
set -u
src=$TESTS/..
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# The SYNOPSIS of a man page, roff escapes undone (\- is -, fonts dropped).
synopsis() {
	sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$1" | sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g'
}
# OPT appears in TEXT as a whole option, not as part of a longer one.
has_opt() {
	grep -qE -- "(^|[^-a-zA-Z0-9_])$1([^-a-zA-Z0-9_]|$)" <<<"$2"
}

for cmd in "-V" "--version" "version"; do
	out=$("$PWIRE" "$cmd" 2>&1)
	rc=$?
	[ "$rc" = 0 ] && [ "$out" = "pwire $VERSION" ] ||
		bad "pwire $cmd: exit $rc, '$out' (expected 'pwire $VERSION', exit 0)"
done
out=$("$PWIRED" -V 2>&1)
[ "$out" = "pwired $VERSION" ] || bad "pwired -V: '$out' (expected 'pwired $VERSION')"

# pwire: every option literal of the command-line code.
man=$(synopsis "$src/man/pwire.8")
help=$("$PWIRE" --help; "$PWIRE" up --help)
opts=$(grep -ohE '"--?[a-zA-Z][-a-zA-Z0-9_]*"' "$src"/src/cli/*.c | tr -d '"' | sort -u)
[ "$(wc -w <<<"$opts")" -ge 8 ] || bad "found only these options in src/cli: $opts"
for o in $opts; do
	has_opt "$o" "$man" || bad "pwire option $o is not in man/pwire.8's SYNOPSIS"
	has_opt "$o" "$help" || bad "pwire option $o is not in pwire --help or pwire up --help"
done

# pwired: every letter of its getopt string.
letters=$(sed -n 's/.*getopt(argc, argv, "\([^"]*\)").*/\1/p' "$src/src/daemon/main.c" | tr -d ':')
[ "${#letters}" -ge 6 ] || bad "pwired's getopt string not found (got '$letters')"
man=$(synopsis "$src/man/pwired.8")
help=$("$PWIRED" -h | head -1)
for ((i = 0; i < ${#letters}; i++)); do
	o="-${letters:i:1}"
	has_opt "$o" "$man" || bad "pwired option $o is not in man/pwired.8's SYNOPSIS"
	has_opt "$o" "$help" || bad "pwired option $o is not in pwired -h's usage line"
done

# pwire up's words: the names of the table in words.c.
words=$(sed -n '/^static const struct word words\[\] = {/,/^};/s/^[[:space:]]*{ "\([a-z0-9_]*\)".*/\1/p' \
	"$src/src/cli/words.c")
[ "$(wc -w <<<"$words")" -ge 20 ] || bad "found only these words in words.c: $words"
man=$(sed -n '/^\.SH WORDS/,/^\.SH /p' "$src/man/pwire.8" | sed 's/\\f[BIRP]//g')
help=$("$PWIRE" up --help)
for w in $words; do
	grep -qw -- "$w" <<<"$man" || bad "word $w is not in man/pwire.8's WORDS"
	grep -qw -- "$w" <<<"$help" || bad "word $w is not in pwire up --help"
done

[ "$fail" = 0 ] && echo "ok: $(wc -w <<<"$opts") pwire options, ${#letters} pwired options," \
	"$(wc -w <<<"$words") words documented; -V and --version print pwire $VERSION"
exit "$fail"

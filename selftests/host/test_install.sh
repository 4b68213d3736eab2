#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What `make install` promises a distribution: every file lands where
# drvguard(8) says, with its mode and with PREFIX written into the unit, the
# boot script and the man page; the man page renders cleanly; the bash
# completion completes; drvguard-boot checks the whole configuration before
# loading anything and takes back its loads when one fails.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/selftests/lib/tap.sh"
OUT="$TOP/.output"
TMP=$(mktemp -d /tmp/drvguard-install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
ROOT="$TMP/root"

# mode_is FILE MODE: FILE is a regular file with octal MODE
mode_is() {
	if [ -f "$ROOT$1" ]; then
		tap_is "$(stat -c %a "$ROOT$1")" "$2" "$1 is installed with mode $2"
	else
		tap_fail "$1 is installed with mode $2"
		tap_diag "no such file under $ROOT"
	fi
}

# ---- make install DESTDIR=... PREFIX=/usr, from the built tree
if ! make -C "$TOP" --no-print-directory install DESTDIR="$ROOT" PREFIX=/usr \
		> "$TMP/install.log" 2>&1; then
	tap_fail "make install DESTDIR PREFIX=/usr"
	tap_diag_stdin < "$TMP/install.log"
	tap_end
fi
tap_pass "make install DESTDIR PREFIX=/usr"

mode_is /usr/sbin/drvguard 755
tap_ok "the installed drvguard is the built one" cmp -s "$OUT/drvguard" "$ROOT/usr/sbin/drvguard"
mode_is /usr/share/man/man8/drvguard.8 644
mode_is /usr/share/bash-completion/completions/drvguard 644
mode_is /usr/lib/systemd/system/drvguard.service 644
mode_is /usr/lib/drvguard/drvguard-boot 755
mode_is /usr/share/doc/drvguard/drvguard.conf.example 644
tap_ok "nothing is installed under /etc" test ! -e "$ROOT/etc"
for h in "$TOP"/bpf/*.h "$OUT/vmlinux.h"; do
	mode_is "/usr/share/drvguard/include/$(basename "$h")" 644
done
for f in "$TOP"/rules/packs/*.rules; do
	[ -e "$f" ] && mode_is "/usr/share/drvguard/rules/packs/$(basename "$f")" 644
done
for f in "$OUT"/packs/*.o; do
	[ -e "$f" ] && mode_is "/usr/lib/drvguard/packs/$(basename "$f")" 644
done

UNIT="$ROOT/usr/lib/systemd/system/drvguard.service"
tap_grep "$UNIT" '^ExecStart=/usr/lib/drvguard/drvguard-boot$' \
	"the unit starts drvguard-boot under PREFIX"
tap_grep "$UNIT" '^ExecStopPost=-/usr/sbin/drvguard unload --all$' \
	"the unit unloads every pack with drvguard under PREFIX"
tap_grep "$ROOT/usr/lib/drvguard/drvguard-boot" '^DRVGUARD=\$\{DRVGUARD:-/usr/sbin/drvguard\}$' \
	"drvguard-boot runs drvguard under PREFIX by default"
tap_grep "$ROOT/usr/share/man/man8/drvguard.8" '^\.I /usr/lib/drvguard/packs/$' \
	"the man page names the pack directory under PREFIX"
for f in "$UNIT" "$ROOT/usr/lib/drvguard/drvguard-boot" "$ROOT/usr/share/man/man8/drvguard.8"; do
	tap_nogrep "$f" '/usr/local' "no /usr/local is left in $(basename "$f")"
done

# systemd checks the unit as it would load it, with the Exec paths moved
# into the staging root so that their executables are found.
if command -v systemd-analyze > /dev/null; then
	sed "s|^\(Exec[A-Za-z]*=-\{0,1\}\)/|\1$ROOT/|" "$UNIT" > "$TMP/drvguard.service"
	systemd-analyze verify --man=no "$TMP/drvguard.service" > "$TMP/verify.log" 2>&1
	status=$?
	tap_is "$status $(wc -c < "$TMP/verify.log")" "0 0" \
		"systemd-analyze verify finds nothing to say"
	tap_diag_stdin < "$TMP/verify.log"
else
	tap_skip "systemd-analyze verify finds nothing to say" "no systemd-analyze"
fi

# ---- the man page renders without a warning
if command -v man > /dev/null; then
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 \
		-l "$ROOT/usr/share/man/man8/drvguard.8" > "$TMP/man.txt" 2> "$TMP/man.err"
	status=$?
	tap_is "$status $(wc -c < "$TMP/man.err")" "0 0" "the man page renders without warnings"
	tap_diag_stdin < "$TMP/man.err"
	for section in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS 'EXIT STATUS' FILES EXAMPLES \
			'SEE ALSO'; do
		tap_grep "$TMP/man.txt" "^$section\$" "the man page has a $section section"
	done
	for cmd in compile check packs load unload status watch recover help; do
		tap_grep "$TMP/man.txt" "^ {7}$cmd( |\$)" "the man page describes drvguard $cmd"
	done
else
	tap_skip "the man page renders without warnings" "man is not installed"
fi

# ---- bash completion, with a fake drvguard on PATH that lists two packs
mkdir -p "$TMP/bin" "$TMP/work/subdir"
cat > "$TMP/bin/drvguard" <<'EOF'
#!/bin/sh
[ "$1" = packs ] && printf '%-10s %-8s %s\n' core - "core rules" netdev loaded "netdev rules"
exit 0
EOF
chmod +x "$TMP/bin/drvguard"
touch "$TMP/work/mine.rules" "$TMP/work/mine.o" "$TMP/work/notes.txt"

# complete WORD...: what _drvguard offers for the last WORD, space-separated
complete_words() {
	(cd "$TMP/work" && PATH="$TMP/bin:$PATH" bash --norc --noprofile -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_drvguard drvguard "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		echo "${COMPREPLY[*]}"' \
		complete "$ROOT/usr/share/bash-completion/completions/drvguard" "$@" 2>&1)
}

tap_is "$(complete_words drvguard lo)" "load" "completion: drvguard lo<TAB> is load"
tap_is "$(complete_words drvguard load --dr)" "--driver" \
	"completion: drvguard load --dr<TAB> is --driver"
tap_is "$(complete_words drvguard recover '')" "enable disable status" \
	"completion: drvguard recover <TAB> offers enable, disable and status"
tap_is "$(complete_words drvguard -j recover '')" "enable disable status" \
	"completion: a global option before the command changes nothing"
tap_is "$(complete_words drvguard recover enable --r)" "--rule" \
	"completion: drvguard recover enable --r<TAB> is --rule"
tap_is "$(complete_words drvguard load '' | tr ' ' '\n' | sort | tr '\n' ' ')" \
	"core mine.o mine.rules netdev subdir " \
	"completion: drvguard load <TAB> offers the listed packs and pack files"
tap_is "$(complete_words drvguard check '' | tr ' ' '\n' | sort | tr '\n' ' ')" \
	"mine.rules subdir " "completion: drvguard check <TAB> offers .rules files only"
tap_is "$(complete_words drvguard load core '')" "--driver" \
	"completion: after the pack, load offers --driver"
tap_is "$(complete_words drvguard wat --c)" "--count" \
	"completion: a command prefix gets its options"
tap_is "$(complete_words drvguard unload --)" "--all --json --debug --version --help" \
	"completion: unload offers --all and the global options"
tap_is "$(complete_words drvguard help st)" "status" "completion: help completes command names"

# ---- drvguard-boot, with a fake drvguard that logs its arguments
BOOT="$ROOT/usr/lib/drvguard/drvguard-boot"
cat > "$TMP/fake-drvguard" <<'EOF'
#!/bin/sh
[ "$1" = -j ] && shift
echo "$*" >> "$FAKE_LOG"
case "$*" in
"load failing "*) exit 4 ;;
"load "*) printf '{"pack":"%s","attach":"fentry"}\n' "$2" ;;
esac
exit 0
EOF
chmod +x "$TMP/fake-drvguard"

# boot CONF: run drvguard-boot on CONF; the status in $status, its calls in
# $TMP/calls, its error output in $TMP/boot.err
boot() {
	rm -f "$TMP/calls"
	touch "$TMP/calls"
	FAKE_LOG="$TMP/calls" DRVGUARD="$TMP/fake-drvguard" DRVGUARD_CONF="$1" \
		"$BOOT" > /dev/null 2> "$TMP/boot.err"
	status=$?
}

printf '%s\n' '# packs to load at boot' '' 'core e1000   # the NIC' \
	'	netdev	8139too tulip' '' 'recover on' > "$TMP/good.conf"
boot "$TMP/good.conf"
tap_is "$status" 0 "drvguard-boot: a good file runs to the watcher"
tap_is "$(cat "$TMP/calls")" "load core --driver e1000
load netdev --driver 8139too --driver tulip
recover enable
watch" "drvguard-boot: loads in file order, enables recovery, then watches"

printf '%s\n' 'core e1000' '# fine so far' 'netdev' 'block loop' 'recover maybe' \
	'recovery=on' 'char --tty' > "$TMP/bad.conf"
boot "$TMP/bad.conf"
tap_is "$status" 2 "drvguard-boot: a malformed file exits with status 2"
tap_is "$(cat "$TMP/calls")" "" "drvguard-boot: a malformed file loads nothing"
tap_grep "$TMP/boot.err" "^$TMP/bad.conf:3: .*names no driver" \
	"drvguard-boot: a pack without a driver is named as file:line"
tap_grep "$TMP/boot.err" "^$TMP/bad.conf:5: 'recover' takes" \
	"drvguard-boot: a bad recover line is named as file:line"
tap_grep "$TMP/boot.err" "^$TMP/bad.conf:6: 'recovery=on' is neither a keyword" \
	"drvguard-boot: an unknown keyword is named as file:line"
tap_grep "$TMP/boot.err" "^$TMP/bad.conf:7: '--tty' is not a module name" \
	"drvguard-boot: a bad driver name is named as file:line"
tap_nogrep "$TMP/boot.err" ":(1|2|4):" "drvguard-boot: good lines are not reported"

printf '%s\n' 'core e1000' 'core tulip' > "$TMP/twice.conf"
boot "$TMP/twice.conf"
tap_is "$status:$(cat "$TMP/calls")" "2:" "drvguard-boot: a pack listed twice loads nothing"

printf '%s\n' '# nothing yet' 'recover on' > "$TMP/empty.conf"
boot "$TMP/empty.conf"
tap_is "$status:$(cat "$TMP/calls")" "2:" "drvguard-boot: a file without a pack loads nothing"
boot "$TMP/no-such.conf"
tap_is "$status:$(cat "$TMP/calls")" "2:" "drvguard-boot: a missing file loads nothing"

printf '%s\n' 'core e1000' 'netdev tulip' 'failing 8139too' 'block loop' 'recover on' \
	> "$TMP/fail.conf"
boot "$TMP/fail.conf"
tap_is "$status" 4 "drvguard-boot: a failed load's status is drvguard-boot's"
tap_is "$(cat "$TMP/calls")" "load core --driver e1000
load netdev --driver tulip
load failing --driver 8139too
unload netdev
unload core" "drvguard-boot: a failed load unloads the packs loaded before it, and stops"

# ---- the build must be there before installing it
mkdir -p "$TMP/scratch"
make -C "$TMP/scratch" -f "$TOP/Makefile" --no-print-directory install DESTDIR="$TMP/none" \
	> "$TMP/scratch.log" 2>&1
status=$?
tap_ok "make install without a build fails (exit $status)" test "$status" -ne 0
tap_grep "$TMP/scratch.log" 'run make first' "make install without a build says what to do"
tap_ok "make install without a build installs nothing" test ! -e "$TMP/none"

# ---- shipped packs install from a tree that has them
(cd "$TMP/scratch" && mkdir -p rules/packs .output/packs && ln -s "$TOP"/{bpf,dist,docs} . &&
	ln -s "$OUT/drvguard" "$OUT/vmlinux.h" .output/ &&
	echo '# a pack' > rules/packs/demo.rules && echo obj > .output/packs/demo.o)
if make -C "$TMP/scratch" -f "$TOP/Makefile" --no-print-directory install DESTDIR="$TMP/packs" \
		> "$TMP/scratch.log" 2>&1; then
	ROOT="$TMP/packs"
	mode_is /usr/local/share/drvguard/rules/packs/demo.rules 644
	mode_is /usr/local/lib/drvguard/packs/demo.o 644
	tap_grep "$ROOT/usr/local/lib/systemd/system/drvguard.service" \
		'^ExecStart=/usr/local/lib/drvguard/drvguard-boot$' "PREFIX defaults to /usr/local"
	make -C "$TMP/scratch" -f "$TOP/Makefile" --no-print-directory uninstall \
		DESTDIR="$TMP/packs" > "$TMP/scratch.log" 2>&1
	tap_is "$(find "$TMP/packs" ! -type d)" "" "make uninstall removes every installed file"
	tap_ok "make uninstall removes drvguard's own directories" \
		test ! -e "$ROOT/usr/local/lib/drvguard" -a ! -e "$ROOT/usr/local/share/drvguard"
else
	tap_fail "make install of a tree with packs"
	tap_diag_stdin < "$TMP/scratch.log"
fi
tap_end

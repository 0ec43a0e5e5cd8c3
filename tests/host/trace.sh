#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The real thing: trace execs of a uniquely named binary by root and by two
# other uids, with messages from a config file, then stop with SIGTERM.
source "$(dirname "$0")/lib.sh"
need_root
command -v setpriv >/dev/null || skip "setpriv (util-linux) is needed to exec as another uid"

# A path short enough to fit the 16-byte path field whole.
dir=$(mktemp -d /tmp/hXXXXX)
chmod 755 "$dir"
bin=$dir/t
cp /bin/true "$bin"
trap 'rm -rf "$tmp" "$dir"; [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null' EXIT

cat >"$tmp/conf" <<CONF
# test config
0 Hi root
4242 Hi 4242
CONF

# LOADER_ARGS: e.g. "--buffer perf" to run the same checks through the perf buffer.
# shellcheck disable=SC2086
"$LOADER" ${LOADER_ARGS:-} --json --config "$tmp/conf" >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_attached "$pid" "$tmp/err"
grep -q '^buffer: ' "$tmp/err" && ok "$(grep '^buffer: ' "$tmp/err")" || bad "no buffer line: $(cat "$tmp/err")"
grep -q '^attached: ' "$tmp/err" && ok "loader attached: $(grep '^attached: ' "$tmp/err")" \
	|| { bad "loader did not attach: $(cat "$tmp/err")"; done_testing; }

"$bin"
setpriv --reuid=4242 --regid=4242 --clear-groups "$bin"
setpriv --reuid=65534 --regid=65534 --clear-groups "$bin"

# Records arrive within a poll interval; wait for all three.
for _ in $(seq 50); do
	[[ $(grep -c "\"path\":\"$bin\"" "$tmp/out") -ge 3 ]] && break
	sleep 0.1
done
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[[ $rc == 0 ]] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc; stderr: $(cat "$tmp/err")"

expect_record() { # UID MESSAGE
	local line
	line=$(grep "\"uid\":$1,\"command\":\"[^\"]*\",\"path\":\"$bin\"" "$tmp/out" | head -1)
	if [[ -z $line ]]; then
		bad "no record for uid $1 exec'ing $bin"
		return
	fi
	grep -q "\"message\":\"$2\"}$" <<<"$line" && ok "uid $1: $line" \
		|| bad "uid $1: wrong message in $line (want '$2')"
	grep -qE '^\{"type":"exec","pid":[1-9][0-9]*,' <<<"$line" || bad "uid $1: no pid in $line"
}
expect_record 0 "Hi root"
expect_record 4242 "Hi 4242"
expect_record 65534 "Hello World"
n=$(grep -c "\"path\":\"$bin\"" "$tmp/out")
[[ $n == 3 ]] && ok "exactly 3 records for $bin" || bad "$n records for $bin, expected 3"
grep -qE '^hello-buffer-config: [0-9]+ events, 0 lost$' "$tmp/err" && ok "exit summary: $(tail -1 "$tmp/err")" \
	|| bad "exit summary: $(tail -2 "$tmp/err")"
assert_nothing_left "after SIGTERM"

# Text output, and --count ending the run by itself.
# shellcheck disable=SC2086
"$LOADER" ${LOADER_ARGS:-} --count 2 >"$tmp/text" 2>"$tmp/err" &
pid=$!
wait_attached "$pid" "$tmp/err"
for _ in $(seq 20); do "$bin"; kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
wait "$pid"
rc=$?
pid=
[[ $rc == 0 ]] && ok "--count 2: exit 0 by itself" || bad "--count 2: exit $rc: $(cat "$tmp/err")"
head -1 "$tmp/text" | grep -qE '^PID +UID +COMMAND +PATH +MESSAGE$' && ok "text header" || bad "text header: $(head -1 "$tmp/text")"
[[ $(wc -l <"$tmp/text") == 3 ]] && ok "--count 2: header and 2 records" || bad "--count 2 output: $(cat "$tmp/text")"
[[ $(sed -n '2,$p' "$tmp/text" | grep -cE '^[0-9]+ +[0-9]+ +.+ Hello World$') == 2 ]] \
	&& ok "text records: $(sed -n 2p "$tmp/text")" || bad "text records: $(cat "$tmp/text")"
assert_nothing_left "after --count"
done_testing

#!/usr/bin/env bats
# The project is hostile (issue 14, docs/security.md): each case is played as
# an agent would play it. It writes something in the project (as an agent in
# a session can), then the user runs the next `sandcage shell`, `trust`,
# `init` or `acp run`; nothing may hang, read or echo a file outside the
# project, truncate anything, or widen the session, and the error is clear.
# Real daemon. Cases are named "hostile/CLASS: ..." after the issue's classes.

load helpers

setup() {
	require_docker "$TOOLS_IMAGE"
	export SANDCAGE_IMAGE=$TOOLS_IMAGE
	WORK=$(mktemp -d)
	WORK=$(cd "$WORK" && pwd -P)
	REPO=$WORK/repo
	make_repo "$REPO"
	export HOME=$WORK/home
	mkdir -p "$HOME"
	export SANDCAGE_HOME=$WORK/sandcage-home
	mkdir -p "$SANDCAGE_HOME"
	# A host file the agent must never get at: its content is a canary that
	# would show in any message that echoed it.
	HOST_FILE=$WORK/host-secret
	printf 'host-canary-7f3a: [unterminated\n' >"$HOST_FILE"
}

teardown() {
	if [ -n "${REPO:-}" ]; then
		ids=$(containers_of "$REPO")
		[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
	fi
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

# ---- safe open, escaped prompts, bounded input (classes 5, 4 and 9) ----

# no_leak: the host file's canary is in no output, and it is unchanged.
no_leak() {
	[[ "$output" != *host-canary-7f3a* ]]
	[ "$(cat "$HOST_FILE")" = 'host-canary-7f3a: [unterminated' ]
}

# An ACP "agent" that is a service of the user's global configuration: enough
# for `acp run` to reach its trace file.
acp_service() {
	cat >"$SANDCAGE_HOME/config.toml" <<'TOML'
[services.echo]
command = ["cat"]
TOML
}

@test "hostile/5: a .sandcage.yml that is a FIFO is refused without blocking" {
	cd "$REPO"
	mkfifo .sandcage.yml
	run timeout 20 "$SANDCAGE" shell -- true
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$REPO/.sandcage.yml\` is a FIFO (named pipe), not a regular file"* ]]
	[[ "$output" == *"replace it with a regular file"* ]]
	[ -z "$(containers_of "$REPO")" ]
	run timeout 20 "$SANDCAGE" trust
	[ "$status" -eq 1 ]
	[[ "$output" == *"is a FIFO (named pipe)"* ]]
}

@test "hostile/5: a .sandcage.yml linked to a host file is not followed, nor its content shown" {
	cd "$REPO"
	ln -s "$HOST_FILE" .sandcage.yml
	run timeout 20 "$SANDCAGE" shell -- true
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$REPO/.sandcage.yml\` is a symbolic link"* ]]
	[[ "$output" == *"does not follow links in the project"* ]]
	no_leak
	[ -z "$(containers_of "$REPO")" ]
}

@test "hostile/5: sandcage trust neither follows a linked .sandcage.yml nor records it" {
	cd "$REPO"
	printf 'network:\n  mode: open\n' >"$WORK/outside.yml"
	ln -s "$WORK/outside.yml" .sandcage.yml
	run timeout 20 "$SANDCAGE" trust --yes
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is a symbolic link"* ]]
	[[ "$output" != *"trusted"* ]]
	[ ! -e "$SANDCAGE_HOME/trust.json" ] || ! grep -q outside "$SANDCAGE_HOME/trust.json"
	run timeout 20 "$SANDCAGE" shell -- true
	[ "$status" -eq 1 ]
	[ -z "$(containers_of "$REPO")" ]
}

@test "hostile/5: a .sandcage.local.yml linked to a device is refused, not read" {
	cd "$REPO"
	# /dev/zero would never end, /dev/tty would wait for the user.
	for dev in /dev/zero /dev/null; do
		ln -sfn "$dev" .sandcage.local.yml
		run timeout 20 "$SANDCAGE" shell -- true
		echo "$output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"$REPO/.sandcage.local.yml\` is a symbolic link"* ]]
	done
	[ -z "$(containers_of "$REPO")" ]
}

@test "hostile/5: a .sandcage.yml that is a socket or a directory is refused" {
	cd "$REPO"
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
		"$REPO/.sandcage.yml"
	run timeout 20 "$SANDCAGE" shell -- true
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *".sandcage.yml\` is not a regular file"* ]] ||
		[[ "$output" == *".sandcage.yml\` is a socket, not a regular file"* ]]
	rm .sandcage.yml
	mkdir .sandcage.local.yml
	run timeout 20 "$SANDCAGE" shell -- true
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$REPO/.sandcage.local.yml\` is a directory, not a regular file"* ]]
	[ -z "$(containers_of "$REPO")" ]
}

@test "hostile/9: a .sandcage.yml over 1 MiB is refused naming the file and the limit" {
	cd "$REPO"
	{
		echo "# padding"
		head -c 1100000 /dev/zero | tr '\0' '#'
		echo
	} >.sandcage.yml
	run timeout 20 "$SANDCAGE" shell -- true
	echo "${output:0:400}"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$REPO/.sandcage.yml\` is larger than 1 MiB"* ]]
	[ "${#output}" -lt 1000 ]
	[ -z "$(containers_of "$REPO")" ]
}

@test "hostile/9: YAML nested 100,000 deep is an error, not a crash" {
	cd "$REPO"
	{
		printf 'env: '
		head -c 100000 /dev/zero | tr '\0' '['
		echo
	} >.sandcage.yml
	run timeout 20 "$SANDCAGE" shell -- true
	echo "${output:0:400}"
	[ "$status" -eq 1 ]
	[[ "$output" == *".sandcage.yml:1:"*"nested deeper than 256 levels"* ]]
	{
		head -c 200000 /dev/zero | tr '\0' '{' | sed 's/{/{a: /g'
		echo
	} >.sandcage.yml
	run timeout 20 "$SANDCAGE" trust
	[ "$status" -eq 1 ]
	[[ "$output" == *"nested deeper than 256 levels"* ]]
	[ -z "$(containers_of "$REPO")" ]
}

@test "hostile/9: a project path with a newline or an escape sequence is refused clearly" {
	local name
	for name in $'new\nline' $'esc\e[2Jape' $'cr\rhidden'; do
		make_repo "$WORK/$name"
		run timeout 20 "$SANDCAGE" shell -p "$WORK/$name" -- true
		echo "$output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"holds a control character (shown escaped)"* ]]
		[[ "$output" != *$'\e'* && "$output" != *$'\r'* ]]
		[ -z "$(containers_of "$WORK/$name")" ]
	done
}

@test "hostile/4: the trust prompt shows escape sequences and bidi overrides visibly" {
	cd "$REPO"
	# A grant whose text tries to erase itself and to reorder what follows.
	printf 'services:\n  claude:\n    args: ["--x\\e[2K\\e[1A\\r  nothing to approve \\u202eexe.lmth"]\n' \
		>.sandcage.yml
	run timeout 20 "$SANDCAGE" trust
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *'give `claude` the argument `--x\x1b[2K\x1b[1A\r  nothing to approve <U+202E>exe.lmth`'* ]]
	[[ "$output" != *$'\e'* && "$output" != *$'\r'* && "$output" != *$'\u202e'* ]]
	# The refusal of the session shows the same.
	run timeout 20 "$SANDCAGE" shell -- true
	[ "$status" -eq 1 ]
	[[ "$output" == *'<U+202E>exe.lmth'* ]]
	[[ "$output" != *$'\e'* && "$output" != *$'\u202e'* ]]
	[ -z "$(containers_of "$REPO")" ]
}

@test "hostile/4: a line break in a granted value cannot add a line to the trust prompt" {
	cd "$REPO"
	printf 'services:\n  claude:\n    args: ["a\\n  (nothing else: this file is harmless)\\u2028\\u2066x"]\n' \
		>.sandcage.yml
	run timeout 20 "$SANDCAGE" trust
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *'`a\n  (nothing else: this file is harmless)<U+2028><U+2066>x`'* ]]
	# One line per grant: the forged line does not stand on its own.
	! grep -q '^  (nothing else' <<<"$output"
}

@test "hostile/5: init does not read a manifest linked to a host file" {
	cd "$REPO"
	printf '18.99.1\n' >"$WORK/host-nvmrc"
	echo '{"name": "x"}' >package.json
	ln -s "$WORK/host-nvmrc" .nvmrc
	ln -s "$HOST_FILE" pyproject.toml
	run timeout 30 "$SANDCAGE" init --print
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *18.99* ]]
	[[ "$output" == *'`.nvmrc` is a symbolic link'* ]]
	no_leak
}

@test "hostile/5: init does not block on a manifest that is a FIFO" {
	cd "$REPO"
	mkfifo package.json
	mkfifo "$WORK/outside-fifo"
	ln -s "$WORK/outside-fifo" pyproject.toml
	mkdir web
	mkfifo web/.nvmrc
	echo '{}' >web/package.json
	run timeout 30 "$SANDCAGE" init --print
	echo "$output"
	[ "$status" -eq 0 ]
	# Only regular files are manifests: the FIFOs are not looked at.
	[[ "$output" == *"Node   web/: package.json"* ]]
	! grep -q "^#   Python" <<<"$output"
}

@test "hostile/5: init --force replaces a linked .sandcage.yml, never writing through it" {
	cd "$REPO"
	printf 'keep me\n' >"$WORK/target.yml"
	ln -s "$WORK/target.yml" .sandcage.yml
	run timeout 30 "$SANDCAGE" init --no-gitignore
	[ "$status" -eq 1 ]
	[[ "$output" == *"exists"* ]]
	[ "$(cat "$WORK/target.yml")" = "keep me" ]
	run timeout 30 "$SANDCAGE" init --force --no-gitignore
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$WORK/target.yml")" = "keep me" ]
	[ -f .sandcage.yml ] && [ ! -L .sandcage.yml ]
}

@test "hostile/5: init neither follows nor blocks on a planted .gitignore" {
	cd "$REPO"
	printf 'node_modules/\n' >"$WORK/outside-ignore"
	ln -s "$WORK/outside-ignore" .gitignore
	run timeout 30 "$SANDCAGE" init --gitignore
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *".gitignore is a symbolic link, which sandcage does not follow"* ]]
	[ "$(cat "$WORK/outside-ignore")" = "node_modules/" ]
	[ -L .gitignore ]
	rm .gitignore .sandcage.yml
	ln -s "$HOST_FILE" .gitignore
	run timeout 30 "$SANDCAGE" init --gitignore
	[ "$status" -eq 0 ]
	no_leak
	rm .gitignore .sandcage.yml
	mkfifo .gitignore
	run timeout 30 "$SANDCAGE" init --gitignore
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *".gitignore\` is a FIFO (named pipe), not a regular file"* ]]
}

@test "hostile/5: acp run --trace neither follows nor truncates a planted link" {
	acp_service
	cd "$REPO"
	ln -s "$HOST_FILE" trace.log
	run timeout 30 "$SANDCAGE" acp run --trace "$REPO/trace.log" echo </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"the trace file: \`$REPO/trace.log\` is a symbolic link"* ]]
	no_leak
	# A dangling link does not create its target either.
	ln -s "$WORK/made-by-sandcage" trace2.log
	run timeout 30 "$SANDCAGE" acp run --trace "$REPO/trace2.log" echo </dev/null
	[ "$status" -eq 1 ]
	[ ! -e "$WORK/made-by-sandcage" ]
	[ -z "$(containers_of "$REPO")" ]
}

@test "hostile/5: acp run --trace refuses a FIFO or a device without blocking" {
	acp_service
	cd "$REPO"
	mkfifo trace.fifo
	run timeout 30 "$SANDCAGE" acp run --trace "$REPO/trace.fifo" echo </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"trace.fifo\` is not a regular file"* ]]
	run timeout 30 "$SANDCAGE" acp run --trace /dev/null echo </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"\`/dev/null\` is a device, not a regular file"* ]]
	[ -z "$(containers_of "$REPO")" ]
}

@test "hostile/5: acp run --trace appends to an existing trace, never truncating it" {
	acp_service
	cd "$REPO"
	printf 'earlier session\n' >trace.log
	run timeout 60 "$SANDCAGE" acp run --trace "$REPO/trace.log" echo </dev/null
	echo "$output"
	[ "$(head -n 1 trace.log)" = "earlier session" ]
	[ "$(stat -c %a trace.log)" = 644 ] || [ "$(stat -c %a trace.log)" = 600 ]
	wait_no_containers "$REPO" 10
}

@test "hostile/5: a .git that leads to a FIFO is refused without blocking" {
	# The agent cannot replace the project's own .git (it is protected), but
	# it can plant one in a subdirectory the user later starts from.
	mkdir "$REPO/sub"
	mkfifo "$WORK/fifo"
	ln -s "$WORK/fifo" "$REPO/sub/.git"
	cd "$REPO/sub"
	run timeout 20 "$SANDCAGE" shell -- true
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$REPO/sub/.git\` is a FIFO (named pipe), not a regular file"* ]]
	[ -z "$(containers_of "$REPO")" ]
	[ -z "$(containers_of "$REPO/sub")" ]
}

@test "hostile/9: a billion-laughs YAML is refused with bounded memory" {
	cd "$REPO"
	{
		echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
		echo 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]'
		echo 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]'
		echo 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]'
		echo 'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]'
		echo 'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]'
		echo 'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]'
		echo 'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]'
		echo 'i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]'
	} >.sandcage.yml
	# 9^9 strings would need gigabytes: refused within a small address space.
	run bash -c 'ulimit -v 400000; timeout 20 "$0" shell -- true' "$SANDCAGE"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *".sandcage.yml:"*"aliases expand to more than 100000 nodes"* ]]
	[ -z "$(containers_of "$REPO")" ]
}

@test "hostile/4: on a terminal, the trust question shows the same escaped text" {
	cd "$REPO"
	printf 'services:\n  claude:\n    args: ["ok\\e[8m hidden \\e[0m\\u2067done"]\n' >.sandcage.local.yml
	run script -qec "'$SANDCAGE' shell -- true" /dev/null <<<"n"
	echo "$output"
	[[ "$output" == *'`ok\x1b[8m hidden \x1b[0m<U+2067>done`'* ]]
	[[ "$output" == *"Trust this content and go on? [y/N]"* ]]
	[[ "$output" != *$'\e[8m'* && "$output" != *$'\u2067'* ]]
	[ -z "$(containers_of "$REPO")" ]
	[ ! -e "$SANDCAGE_HOME/trust.json" ]
}

# ---- end of the safe-open, escaping and bounded-input block ----

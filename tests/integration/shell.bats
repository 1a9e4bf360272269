#!/usr/bin/env bats
# sandcage shell against a real Docker daemon.

load helpers

setup() {
	tools_repo
}

teardown() {
	if [ -n "${REPO:-}" ]; then
		ids=$(containers_of "$REPO")
		[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
	fi
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

@test "the command's exit code is sandcage's exit code" {
	cd "$REPO"
	run "$SANDCAGE" shell -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run "$SANDCAGE" shell -- true
	[ "$status" -eq 0 ]
}

@test "the working directory is the git root, also from a subdirectory" {
	mkdir -p "$REPO/a/b"
	cd "$REPO/a/b"
	run "$SANDCAGE" -q shell -- pwd
	[ "$status" -eq 0 ]
	[ "$output" = "$REPO" ]
	cd /
	run "$SANDCAGE" -q shell -p "$REPO/a" -- pwd
	[ "$output" = "$REPO" ]
}

@test "a project reached through a symlink is mounted at its real path" {
	ln -s "$REPO" "$WORK/link"
	cd "$WORK/link"
	run "$SANDCAGE" -q shell -- pwd
	[ "$status" -eq 0 ]
	[ "$output" = "$REPO" ]
}

@test "changes inside the container show on the host at once, and back" {
	cd "$REPO"
	echo host > from-host
	run "$SANDCAGE" -q shell -- sh -c 'cat from-host; echo container > from-container'
	[ "$status" -eq 0 ]
	[ "$output" = host ]
	[ "$(cat "$REPO/from-container")" = container ]
}

@test "stdin and stdout are plain pipes when they are not terminals" {
	cd "$REPO"
	run bash -c "printf abc | '$SANDCAGE' -q shell -- cat"
	[ "$status" -eq 0 ]
	[ "$output" = abc ]
	run bash -c "'$SANDCAGE' -q shell -- sh -c 'test -t 0 || echo no-tty' </dev/null"
	[ "$output" = no-tty ]
	# Binary data of some size passes through unchanged.
	head -c 3000000 /dev/urandom > "$WORK/blob"
	"$SANDCAGE" -q shell -- cat < "$WORK/blob" > "$WORK/blob.out"
	cmp "$WORK/blob" "$WORK/blob.out"
}

@test "a terminal gets a TTY" {
	command -v script >/dev/null || skip "script(1) is not installed"
	cd "$REPO"
	run script -qec "'$SANDCAGE' -q shell -- sh -c 'test -t 0 && test -t 1 && echo is-a-tty'" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *is-a-tty* ]]
}

@test "git works inside a worktree" {
	git -C "$REPO" worktree add -q "$WORK/wt"
	cd "$WORK/wt"
	run "$SANDCAGE" -q shell -- sh -c 'git status --short --branch && git rev-parse --show-toplevel'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "## wt" ]]
	[ "${lines[1]}" = "$WORK/wt" ]
}

@test "files created inside belong to the invoking user" {
	local user=
	if [ "$(id -u)" -eq 0 ]; then
		id sandcage-test >/dev/null 2>&1 || skip "user sandcage-test missing: tests/run creates it"
		user=sandcage-test
		chown -R "$user:" "$WORK"
		run runuser -u "$user" -- env -C "$REPO" "$SANDCAGE" -q shell --image "$TOOLS_IMAGE" -- sh -c 'touch made-inside; id -u'
		[ "$status" -eq 0 ]
		[ "$output" = "$(id -u "$user")" ]
	else
		user=$(id -un)
		cd "$REPO"
		run "$SANDCAGE" -q shell -- sh -c 'touch made-inside; id -u'
		[ "$status" -eq 0 ]
		[ "$output" = "$(id -u)" ]
	fi
	[ "$(stat -c %U "$REPO/made-inside")" = "$user" ]
	[ "$(stat -c %g "$REPO/made-inside")" = "$(id -g "$user")" ]
}

@test "outside a git repository the directory itself is used, with a notice" {
	mkdir "$WORK/plain"
	cd "$WORK/plain"
	run "$SANDCAGE" shell -- pwd
	[ "$status" -eq 0 ]
	[[ "$output" == *"not in a git repository"* ]]
	[ "${lines[-1]}" = "$WORK/plain" ]
}

@test "containers are labelled and removed after the command" {
	cd "$REPO"
	run "$SANDCAGE" -q shell -- true
	[ "$status" -eq 0 ]
	[ -z "$(containers_of "$REPO")" ]
	"$SANDCAGE" -q shell -- sleep 30 &
	pid=$!
	wait_running "$REPO"
	name=$(docker ps --filter "label=io.sandcage.project=$REPO" --format '{{.Names}}')
	[[ "$name" == sandcage-repo-shell-* ]]
	run docker inspect --format '{{index .Config.Labels "io.sandcage.managed"}} {{index .Config.Labels "io.sandcage.agent"}}' "$name"
	[ "$output" = "true shell" ]
	kill -TERM "$pid"
	wait "$pid" || true
}

@test "SIGTERM ends the session and leaves no container" {
	cd "$REPO"
	"$SANDCAGE" -q shell -- sleep 100 &
	pid=$!
	wait_running "$REPO"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 143 ]
	[ -z "$(containers_of "$REPO")" ]
}

@test "Ctrl-C (SIGINT) ends a piped session and leaves no container" {
	cd "$REPO"
	"$SANDCAGE" -q shell -- sleep 100 </dev/null &
	pid=$!
	wait_running "$REPO"
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 130 ]
	wait_no_containers "$REPO" 10
}

@test "SIGKILL of sandcage still removes the container" {
	cd "$REPO"
	"$SANDCAGE" -q shell -- sleep 100 </dev/null &
	pid=$!
	wait_running "$REPO"
	kill -KILL "$pid"
	wait "$pid" || true
	wait_no_containers "$REPO" 15
}

@test "a missing image is reported, not pulled" {
	cd "$REPO"
	run "$SANDCAGE" shell --image sandcage-test/does-not-exist:1 -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *"sandcage-test/does-not-exist:1"* ]]
}

#!/usr/bin/env bats
# Interactive sessions, driven through a real terminal: tmux.

load helpers

setup() {
	require_docker "$TOOLS_IMAGE"
	command -v tmux >/dev/null || { echo "tmux is missing: .ci/provision installs it" >&2; return 1; }
	export SANDCAGE_IMAGE=$TOOLS_IMAGE
	WORK=$(mktemp -d)
	REPO=$WORK/repo
	make_repo "$REPO"
	SOCK=sc-test-$$-$BATS_TEST_NUMBER
}

teardown() {
	tmux -L "$SOCK" kill-server 2>/dev/null || true
	if [ -n "${REPO:-}" ]; then
		ids=$(containers_of "$REPO")
		[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
	fi
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

screen() { tmux -L "$SOCK" capture-pane -p -t t; }

# Waits until the pane shows $1 (a fixed string), up to $2 seconds.
wait_for() {
	local want=$1 limit=${2:-20} i
	for ((i = 0; i < limit * 10; i++)); do
		screen | grep -qF -- "$want" && return 0
		sleep 0.1
	done
	echo "--- the pane never showed '$want':" >&2
	screen >&2
	return 1
}

keys() { tmux -L "$SOCK" send-keys -t t "$@"; }

start() {
	tmux -L "$SOCK" new-session -d -x 100 -y 30 -s t \
		"cd '$REPO' && SANDCAGE_IMAGE='$SANDCAGE_IMAGE' '$SANDCAGE' -q shell; echo SANDCAGE-EXIT=\$?; stty -a | grep -o -- ' -\\?icanon' | sed 's/^/STTY:/'; sleep 600"
	keys 'echo READY-$((40+2))' Enter
	wait_for READY-42 30
}

@test "a shell on a terminal: prompt, commands, exit code" {
	start
	keys 'touch typed-inside; echo "in $(pwd)"' Enter
	wait_for "in $REPO"
	[ -e "$REPO/typed-inside" ]
	keys 'exit 3' Enter
	wait_for SANDCAGE-EXIT=3
	# The terminal is restored: canonical mode is back on.
	wait_for "STTY: icanon"
	[ -z "$(containers_of "$REPO")" ]
}

@test "the window size inside follows the terminal" {
	start
	size=$(tmux -L "$SOCK" display -p -t t '#{pane_height} #{pane_width}')
	keys 'echo "SIZE=$(stty size)"' Enter
	wait_for "SIZE=$size"
	tmux -L "$SOCK" resize-window -t t -x 120 -y 40
	sleep 0.5
	size=$(tmux -L "$SOCK" display -p -t t '#{pane_height} #{pane_width}')
	[ "$size" = "40 120" ] || [ "$size" = "39 120" ]
	keys 'echo "SIZE=$(stty size)"' Enter
	wait_for "SIZE=$size"
}

@test "Ctrl-C reaches the program in the container, not sandcage" {
	start
	keys 'sleep 100' Enter
	sleep 1
	keys C-c
	keys 'echo "after=$?"' Enter
	wait_for "after=130"
	# The session is still alive.
	keys 'echo STILL-$((1+1))' Enter
	wait_for STILL-2
	keys 'exit' Enter
	wait_for SANDCAGE-EXIT=0
}

@test "closing the terminal leaves no container behind" {
	start
	[ -n "$(containers_of "$REPO")" ]
	tmux -L "$SOCK" kill-server
	wait_no_containers "$REPO" 15
}

#!/usr/bin/env bats
# The project is hostile (issue 14, docs/security.md): each case is played as
# an agent would, writing something inside a session, then starts the next
# session (or runs host git, trust, init, acp) and asserts that nothing
# widened or ran.

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
	export GIT_CONFIG_GLOBAL=/dev/null
	unset SANDCAGE_DEBUG_CAP_ADD
}

teardown() {
	local p ids
	for p in "${REPO:-}" "${PROJECT:-}"; do
		[ -n "$p" ] || continue
		ids=$(containers_of "$p")
		[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
	done
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

# ---- 1. Git layout pointers are verified, not followed ----------------------
#
# A `.git` file (`gitdir:`), `commondir` and git's link back are the agent's
# data. A git directory outside the project is mounted only when it is one and
# git's own link back names the project; otherwise the session is refused
# with the file, where it points and the fix, and sandcage creates nothing in
# the directory named.

# A host directory no session may see, with a canary file in it.
make_host_dir() {
	HOST=$WORK/host
	mkdir -p "$HOST"
	echo canary-host-secret >"$HOST/canary"
}

# agent SCRIPT: the agent's turn, a session of the current directory running
# SCRIPT. Whether each write succeeds is not asserted: a later defence may
# stop the write itself; the next session's assertions hold either way.
agent() {
	run "$SANDCAGE" -q shell -- sh -c "$1"
	echo "agent's session: status $status: $output"
}

# refused_next FILE TARGET [CANARY]: the next session is refused with an
# error naming FILE and TARGET; CANARY is readable in no session; no
# container is left.
refused_next() {
	local file=$1 target=$2 canary=${3:-$WORK/host/canary}
	run "$SANDCAGE" -q shell -- cat "$canary"
	echo "next session: status $status: $output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"\`$file\`"* ]]
	[[ "$output" == *"$target"* ]]
	[[ "$output" != *canary-* ]]
	[ -z "$(containers_of "$PWD")" ]
}

# A project directory that is not a git repository.
plain_project() {
	PROJECT=$WORK/plain
	mkdir -p "$PROJECT"
	cd "$PROJECT"
}

@test "hostile/1: a .git file pointing at a host directory is refused" {
	make_host_dir
	plain_project
	agent "printf 'gitdir: %s\n' '$HOST' >.git"
	[ -f .git ]
	refused_next "$PROJECT/.git" "$HOST"
	[[ "$output" == *"not a git directory"* ]]
	[[ "$output" == *"Remove \`$PROJECT/.git\`"* ]]
}

@test "hostile/2: a .git file pointing at another repository's git directory is refused" {
	make_repo "$WORK/other"
	echo canary-other-repo >"$WORK/other/.git/canary"
	plain_project
	agent "printf 'gitdir: %s\n' '$WORK/other/.git' >.git"
	refused_next "$PROJECT/.git" "$WORK/other/.git" "$WORK/other/.git/canary"
	[[ "$output" == *"core.worktree"* ]]
}

@test "hostile/3: a .git file naming another worktree's entry is refused (its link back names that worktree)" {
	make_repo "$WORK/other"
	git -C "$WORK/other" worktree add -q "$WORK/other-wt"
	echo canary-other-repo >"$WORK/other/.git/canary"
	plain_project
	agent "printf 'gitdir: %s\n' '$WORK/other/.git/worktrees/other-wt' >.git"
	refused_next "$PROJECT/.git" "$WORK/other/.git/worktrees/other-wt" "$WORK/other/.git/canary"
	[[ "$output" == *"$WORK/other-wt/.git"* ]]
	[[ "$output" == *"not this worktree"* ]]
	[[ "$output" == *"git worktree repair"* ]]
	# The user's own worktree still works.
	cd "$WORK/other-wt"
	PROJECT=$WORK/other-wt
	run "$SANDCAGE" -q shell -- git rev-parse --git-common-dir
	[ "$status" -eq 0 ]
	[ "$output" = "$WORK/other/.git" ]
}

@test "hostile/4: a .git file the agent leaves in a subdirectory is refused when a session starts there" {
	make_host_dir
	cd "$REPO"
	agent "mkdir -p pkg && printf 'gitdir: %s\n' '$HOST' >pkg/.git"
	PROJECT=$REPO/pkg
	cd "$PROJECT"
	refused_next "$PROJECT/.git" "$HOST"
}

@test "hostile/5: a relative gitdir out of the project, and one through a symlink, are refused" {
	make_host_dir
	plain_project
	agent "printf 'gitdir: ../host\n' >.git"
	refused_next "$PROJECT/.git" "$HOST"
	rm -f .git
	agent "ln -s '$HOST' link && printf 'gitdir: link\n' >.git"
	refused_next "$PROJECT/.git" "$PROJECT/link"
	[[ "$output" == *"symbolic link"* ]]
}

@test "hostile/6: a worktree's commondir redirected to another repository is refused" {
	make_repo "$WORK/other"
	echo canary-other-repo >"$WORK/other/.git/canary"
	git -C "$REPO" worktree add -q "$WORK/wt"
	PROJECT=$WORK/wt
	cd "$PROJECT"
	local cfile=$REPO/.git/worktrees/wt/commondir
	agent "printf '%s\n' '$WORK/other/.git' >'$cfile'"
	run "$SANDCAGE" -q shell -- cat "$WORK/other/.git/canary"
	echo "next session: status $status: $output"
	[[ "$output" != *canary-* ]]
	if [ "$(cat "$cfile")" != "../.." ]; then
		[ "$status" -eq 1 ]
		[[ "$output" == *"\`$PROJECT/.git\`"* ]]
		[[ "$output" == *"commondir"* ]]
		[[ "$output" == *"$WORK/other/.git"* ]]
		[[ "$output" == *"git worktree repair"* ]]
	fi
	# Git's own layout again, and the worktree starts.
	printf '../..\n' >"$cfile"
	run "$SANDCAGE" -q shell -- git rev-parse --git-common-dir
	[ "$status" -eq 0 ]
	[ "$output" = "$REPO/.git" ]
}

@test "hostile/7: a worktree's commondir replaced by a symlink is refused" {
	git -C "$REPO" worktree add -q "$WORK/wt"
	PROJECT=$WORK/wt
	cd "$PROJECT"
	make_host_dir
	local cfile=$REPO/.git/worktrees/wt/commondir
	agent "rm -f '$cfile' && ln -s '$HOST' '$cfile'"
	run "$SANDCAGE" -q shell -- cat "$HOST/canary"
	echo "next session: status $status: $output"
	[[ "$output" != *canary-* ]]
	if [ -L "$cfile" ]; then
		[ "$status" -eq 1 ]
		[[ "$output" == *"\`$cfile\` is a symbolic link"* ]]
	fi
}

@test "hostile/8: a symlinked .git is refused, to a git directory or to a .git file" {
	make_repo "$WORK/other"
	echo canary-other-repo >"$WORK/other/.git/canary"
	plain_project
	agent "ln -s '$WORK/other/.git' .git"
	refused_next "$PROJECT/.git" "symbolic link" "$WORK/other/.git/canary"
	[[ "$output" == *"to \`$WORK/other/.git\`"* ]]
	rm .git
	git -C "$REPO" worktree add -q "$WORK/wt"
	agent "ln -s '$WORK/wt/.git' .git"
	refused_next "$PROJECT/.git" "symbolic link" "$REPO/.git/config"
}

@test "hostile/9: a FIFO .git neither hangs the next session nor is skipped" {
	plain_project
	agent "mkfifo .git"
	[ -p .git ]
	run timeout 60 "$SANDCAGE" -q shell -- true
	echo "next session: status $status: $output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"\`$PROJECT/.git\` is not a regular file or directory"* ]]
}

@test "hostile/10: a huge .git file is refused" {
	plain_project
	agent "{ printf 'gitdir: '; head -c 2300000 /dev/zero | base64 -w0; } >.git"
	[ "$(stat -c %s .git)" -gt 1000000 ]
	run timeout 60 "$SANDCAGE" -q shell -- true
	[ "$status" -eq 1 ]
	[[ "$output" == *"\`$PROJECT/.git\` is larger than"* ]]
}

@test "hostile/11: sandcage creates nothing in a directory a .git file names" {
	make_host_dir
	plain_project
	agent "printf 'gitdir: %s\n' '$HOST' >.git"
	local before
	before=$(ls -A "$HOST")
	run "$SANDCAGE" -q shell -- true
	[ "$status" -eq 1 ]
	[ "$(ls -A "$HOST")" = "$before" ]
	[ ! -e "$HOST/hooks" ] && [ ! -e "$HOST/config" ]
}

@test "hostile/12: a real worktree and a real submodule still start, with git working inside" {
	git -C "$REPO" worktree add -q "$WORK/wt"
	PROJECT=$WORK/wt
	cd "$PROJECT"
	run "$SANDCAGE" -q shell -- sh -c 'git status --short --branch && git rev-parse --git-common-dir'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "## wt" ]
	[ "${lines[1]}" = "$REPO/.git" ]

	make_repo "$WORK/lib"
	git -C "$REPO" -c protocol.file.allow=always submodule add -q "$WORK/lib" lib
	PROJECT=$REPO/lib
	cd "$PROJECT"
	run "$SANDCAGE" -q shell -- sh -c 'git status --short --branch && git rev-parse --absolute-git-dir'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "## main"* ]]
	[ "${lines[1]}" = "$REPO/.git/modules/lib" ]
}

@test "hostile/13: a non-git project with a .git file naming a forged worktree entry is refused" {
	# The agent makes, inside its own project, something that looks like a
	# repository with a worktree entry naming the project, whose commondir
	# leads out: the layout check refuses it.
	make_host_dir
	plain_project
	agent "mkdir -p fake/worktrees/x fake/objects fake/refs &&
		echo 'ref: refs/heads/main' >fake/HEAD &&
		echo 'ref: refs/heads/main' >fake/worktrees/x/HEAD &&
		printf '%s\n' '$HOST' >fake/worktrees/x/commondir &&
		printf '%s/.git\n' '$PROJECT' >fake/worktrees/x/gitdir &&
		printf 'gitdir: fake/worktrees/x\n' >.git"
	refused_next "$PROJECT/.git" "commondir"
	[[ "$output" == *"$HOST"* ]]
}

# ---- end of 1 -----------------------------------------------------------------

#!/usr/bin/env bats
# The security promises against a real Docker daemon: dangerous configuration
# is refused before any container starts, project files that widen access need
# trust, and inside a session the agent cannot write what the host later runs,
# nor read secret files or host files through symlinks. docs/security.md.

load helpers

setup() {
	tools_repo
	# A home and a global directory of the test's own: credentials to
	# refuse, and trust records that start empty.
	export HOME=$WORK/home
	mkdir -p "$HOME"/.ssh "$HOME"/.aws "$HOME"/.gnupg "$HOME"/.docker "$HOME"/.kube \
		"$HOME"/.config/gh "$HOME"/data
	export SANDCAGE_HOME=$WORK/sandcage-home
	mkdir -p "$SANDCAGE_HOME"
	unset SANDCAGE_DEBUG_CAP_ADD
}

teardown() {
	if [ -n "${REPO:-}" ]; then
		ids=$(containers_of "$REPO")
		[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
	fi
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

# refused LINE TEXT: the project file gets YAML; `sandcage shell` must fail
# naming .sandcage.yml:LINE and TEXT, and start no container.
refused() {
	local line=$1 text=$2
	cd "$REPO"
	run "$SANDCAGE" shell -- true
	if [ "$status" -ne 1 ] || [[ "$output" != *".sandcage.yml:$line:"* ]] ||
		[[ "$output" != *"$text"* ]]; then
		echo "config:"
		cat .sandcage.yml
		echo "status $status, output:"
		echo "$output"
		return 1
	fi
	[ -z "$(containers_of "$REPO")" ]
}

mount_of() {
	printf 'mounts:\n  - source: %s\n    target: %s\n' "$1" "${2:-/data}" >"$REPO/.sandcage.yml"
}

@test "dangerous mount sources are refused, after resolving symlinks" {
	local n=0 dir
	for dir in / /etc /usr /boot /dev /proc /sys /run; do
		[ -e "$dir" ] || continue
		mount_of "$dir"
		refused 2 "may not be mounted"
		n=$((n + 1))
	done
	mount_of "$HOME"
	refused 2 "your home directory"
	mount_of "$(dirname "$HOME")"
	refused 2 "your home directory"
	for dir in .ssh .aws .gnupg .docker .kube .config/gh; do
		mount_of "$HOME/$dir"
		refused 2 "\`~/$dir\`: credentials"
		n=$((n + 1))
	done
	# A harmless-looking link to ~/.ssh, outside the project.
	ln -s "$HOME/.ssh" "$WORK/innocent"
	mount_of "$WORK/innocent"
	refused 2 "which leads to \`$HOME/.ssh\`"
	# The engine's socket, through the /var/run link.
	mount_of /var/run/docker.sock /var/run/docker.sock
	refused 2 "container engine's socket"
	# sandcage's own directory: it holds the trust records.
	mount_of "$SANDCAGE_HOME"
	refused 2 "sandcage's own directory"
	echo "refused $((n + 6)) sources"
}

@test "mount targets over the git directory or the home volume are refused" {
	mount_of "$HOME/data" "$REPO/.git"
	refused 3 "git directory"
	mount_of "$HOME/data" "$REPO/.git/hooks"
	refused 3 "git directory"
	mount_of "$HOME/data" "$REPO"
	refused 3 "git directory"
	mount_of "$HOME/data" /home/sandcage
	refused 3 "home volume"
	mount_of "$HOME/data" /proc/sys
	refused 3 "/proc"
	mount_of "$HOME/data" "$REPO/.sandcage.yml"
	refused 3 "protected path"
}

# not_project DIR TEXT [SANDCAGE ARGS...]: `sandcage ARGS` (default: shell
# -- true, in the current directory) must fail saying that DIR cannot be the
# project, with TEXT, and start no container for it.
not_project() {
	local dir=$1 text=$2
	shift 2
	[ "$#" -gt 0 ] || set -- shell -- true
	run "$SANDCAGE" "$@"
	if [ "$status" -ne 1 ] || [[ "$output" != *"\`$dir\` cannot be the project: "* ]] ||
		[[ "$output" != *"$text"* ]] || [[ "$output" != *"Nothing was started"* ]]; then
		echo "sandcage $*: status $status, output:"
		echo "$output"
		return 1
	fi
	[ -z "$(containers_of "$dir")" ]
}

@test "the home directory, /, a credential directory or /tmp itself is never the project" {
	cd "$HOME"
	not_project "$HOME" "it is your home directory \`$HOME\`; sandcage mounts the project read-write into the container, so the agent would get all of it (~/.ssh, ~/.aws ...)"
	[[ "$output" == *"run sandcage in a project directory, or name one with \`-p PATH\`"* ]]
	# The same for an agent and a build, and from a directory above the home.
	not_project "$HOME" "your home directory" claude
	not_project "$HOME" "your home directory" build
	cd "$WORK"
	not_project "$WORK" "it holds your home directory \`$HOME\`"
	# What only reads works there; doctor says why it runs no probe.
	cd "$HOME"
	run "$SANDCAGE" config
	[ "$status" -eq 0 ]
	run "$SANDCAGE" doctor
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"fail  project            \`$HOME\` cannot be the project: it is your home directory"* ]]
	[[ "$output" == *"fail  probes             not run: the project directory is refused"* ]]
	[ -z "$(containers_of "$HOME")" ]
	not_project / "the root of the host's file system" shell -p / -- true
	not_project "$HOME/.ssh" "\`~/.ssh\`: credentials" shell -p "$HOME/.ssh" -- true
	not_project "$HOME/.config/gh" "\`~/.config/gh\`: credentials" shell -p "$HOME/.config/gh" -- true
	not_project "$SANDCAGE_HOME" "sandcage's own directory" shell -p "$SANDCAGE_HOME" -- true
	# /tmp itself, with a home and a global directory elsewhere (this
	# test's are below /tmp).
	local dir n=0
	for dir in /tmp /var/tmp /dev/shm; do
		[ -d "$dir" ] && [ ! -L "$dir" ] || continue
		HOME=/nonexistent SANDCAGE_HOME=/nonexistent/sandcage \
			not_project "$dir" "" shell -p "$dir" -- true
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
	HOME=/nonexistent SANDCAGE_HOME=/nonexistent/sandcage not_project /tmp \
		"it is \`/tmp\`, which every program and user of this machine shares" shell -p /tmp -- true
}

@test "a git repository at the home directory is not the project, from a subdirectory neither" {
	make_repo "$HOME"
	mkdir -p "$HOME/code/proj"
	cd "$HOME/code/proj"
	not_project "$HOME" "\`$HOME\` is the top level of a git repository (\`$HOME/.git\`), and sandcage takes the top level of the repository as the project, with \`-p PATH\` too"
	[[ "$output" == *"make the project directory one (\`git init\` there); a dotfiles repository at your home directory cannot be a project"* ]]
	cd /
	not_project "$HOME" "top level of a git repository" shell -p "$HOME/code/proj" -- true
	# Its own repository, the directory is the project.
	make_repo "$HOME/code/proj"
	cd "$HOME/code/proj"
	run "$SANDCAGE" -q shell -- pwd
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "$HOME/code/proj" ]
}

@test "a directory outside git below a shared directory is a project, with the notice" {
	mkdir "$WORK/plain"
	cd "$WORK/plain"
	run "$SANDCAGE" shell -- pwd
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"\`$WORK/plain\` is not in a git repository: using that directory as the project"* ]]
	[ "${lines[-1]}" = "$WORK/plain" ]
}

@test "variables that change how programs run or where traffic goes come only from the global file" {
	local name
	for name in LD_PRELOAD BASH_ENV NODE_OPTIONS GIT_SSH_COMMAND GIT_CONFIG_COUNT DOCKER_HOST \
		SSH_AUTH_SOCK HTTPS_PROXY http_proxy ANTHROPIC_BASE_URL; do
		printf 'env:\n  %s: x\n' "$name" >"$REPO/.sandcage.yml"
		refused 2 "\`env.$name\`: setting \`$name\`"
		printf 'env_passthrough: [%s]\n' "$name" >"$REPO/.sandcage.yml"
		refused 1 "passing \`$name\`"
	done
	printf 'services:\n  claude:\n    env+: [LD_PRELOAD]\n' >"$REPO/.sandcage.yml"
	refused 3 "services.claude.env"
	# In the user's own global file they are theirs to set.
	rm "$REPO/.sandcage.yml"
	printf '[env]\nNODE_OPTIONS = "--max-old-space-size=100"\n' >"$SANDCAGE_HOME/config.toml"
	cd "$REPO"
	run "$SANDCAGE" -q shell -- sh -c 'echo "$NODE_OPTIONS"'
	[ "$status" -eq 0 ]
	[ "$output" = "--max-old-space-size=100" ]
}

@test "bad names and values are refused with their place" {
	printf 'env:\n  MSG: "a\\nb"\n' >"$REPO/.sandcage.yml"
	refused 2 "line break"
	printf 'env:\n  1BAD: x\n' >"$REPO/.sandcage.yml"
	refused 2 "invalid environment variable name"
	printf 'env_passthrough: ["A-B"]\n' >"$REPO/.sandcage.yml"
	refused 1 "invalid environment variable name"
	printf 'home:\n  volume: a..b\n' >"$REPO/.sandcage.yml"
	refused 2 "contains \`..\`"
	printf 'home:\n  volume: -v\n' >"$REPO/.sandcage.yml"
	refused 2 "invalid name"
	printf 'services:\n  -x:\n    command: [true]\n' >"$REPO/.sandcage.yml"
	refused 2 "invalid service name"
	printf 'services:\n  a/b:\n    command: [true]\n' >"$REPO/.sandcage.yml"
	refused 2 "invalid service name"
	printf 'packages: [a..b]\n' >"$REPO/.sandcage.yml"
	refused 1 "contains \`..\`"
	printf 'security:\n  protected_paths: []\n' >"$REPO/.sandcage.yml"
	refused 2 "only your global configuration"
	printf 'security:\n  masked_files+: ["x"]\n' >"$REPO/.sandcage.yml"
	refused 2 "only your global configuration"
}

@test "a project file that adds a mount is refused until trusted, and again after a change" {
	cd "$REPO"
	mount_of "$HOME/data"
	echo from-host >"$HOME/data/file"
	run "$SANDCAGE" shell -- cat /data/file
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not trusted; it grants:"* ]]
	[[ "$output" == *"+ mount the host path \`$HOME/data\` at \`/data\` (read-write)    (line 2)"* ]]
	[[ "$output" == *"sandcage trust -p $REPO"* ]]
	[ -z "$(containers_of "$REPO")" ]
	# Without a terminal, trust wants --yes.
	run "$SANDCAGE" trust
	[ "$status" -eq 1 ]
	[[ "$output" == *"no terminal"* ]]
	run "$SANDCAGE" trust --yes
	[ "$status" -eq 0 ]
	[[ "$output" == *"trusted $REPO/.sandcage.yml"* ]]
	run "$SANDCAGE" -q shell -- cat /data/file
	[ "$status" -eq 0 ]
	[ "$output" = from-host ]
	# One byte changed: refused again, with the difference.
	mount_of "$HOME/data" /date
	run "$SANDCAGE" shell -- cat /date/file
	[ "$status" -eq 1 ]
	[[ "$output" == *"changed since you trusted it"* ]]
	[[ "$output" == *"+ mount the host path \`$HOME/data\` at \`/date\`"* ]]
	[[ "$output" == *"- mount the host path \`$HOME/data\` at \`/data\`"* ]]
	[ -z "$(containers_of "$REPO")" ]
	run "$SANDCAGE" trust --list
	[[ "$output" == *"$REPO/.sandcage.yml"* ]]
	[[ "$output" == *changed* ]]
	run "$SANDCAGE" trust --yes
	[ "$status" -eq 0 ]
	run "$SANDCAGE" -q shell -- cat /date/file
	[ "$status" -eq 0 ]
	[ "$output" = from-host ]
	run "$SANDCAGE" trust --revoke
	[ "$status" -eq 0 ]
	[[ "$output" == *"revoked"* ]]
	run "$SANDCAGE" shell -- true
	[ "$status" -eq 1 ]
}

@test "trust asks on a terminal" {
	cd "$REPO"
	printf 'env_passthrough: [GITHUB_TOKEN]\n' >.sandcage.local.yml
	run script -qec "'$SANDCAGE' trust" /dev/null <<<"n"
	[[ "$output" == *"pass the host variable \`GITHUB_TOKEN\` to every agent"* ]]
	[[ "$output" == *"Trust this content? [y/N]"* ]]
	[[ "$output" == *"not trusted"* ]]
	run script -qec "'$SANDCAGE' -q shell -- echo ran" /dev/null <<<"y"
	[[ "$output" == *"Trust this content and go on? [y/N]"* ]]
	[[ "$output" == *ran* ]]
	run "$SANDCAGE" -q shell -- echo again
	[ "$status" -eq 0 ]
	[ "$output" = again ]
}

@test "a project file without widening settings needs no trust" {
	cd "$REPO"
	# (packages are a grant since issue 14: hostile/3 covers them)
	printf 'env:\n  TZ: UTC\nnetwork:\n  mode: none\nresources:\n  memory: 1g\n' >.sandcage.yml
	run "$SANDCAGE" -q shell -- true
	[ "$status" -eq 0 ]
	[ ! -e "$SANDCAGE_HOME/trust.json" ]
	run "$SANDCAGE" trust
	[ "$status" -eq 0 ]
	[[ "$output" == *"grants nothing beyond the defaults"* ]]
}

@test "inside a session, hooks, git config and sandcage files cannot be written" {
	cd "$REPO"
	printf 'packages: [jq]\n' >.sandcage.yml
	printf '{}\n' >.sandcage.local.yml
	"$SANDCAGE" -q trust --yes >/dev/null  # packages are a grant
	cp .git/config "$WORK/config.before"
	run "$SANDCAGE" -q shell -- sh -c '
		for f in .git/hooks/pre-commit .sandcage.yml .sandcage.local.yml .git/config; do
			if (echo "touch /tmp/pwned" >"$f") 2>/dev/null; then echo "wrote $f"; fi
		done
		mv .git .git-aside 2>/dev/null && echo "moved .git"
		mv .git/hooks .git/h2 2>/dev/null && echo "moved hooks"
		rm -f .sandcage.yml 2>/dev/null; [ -e .sandcage.yml ] || echo "removed .sandcage.yml"
		git config user.name agent 2>/dev/null && echo "git config written"
		git -c user.name=t -c user.email=t@example.invalid commit -q --allow-empty -m inside &&
			echo committed'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = committed ]
	[ ! -e .git/hooks/pre-commit ]
	[ "$(cat .sandcage.yml)" = "packages: [jq]" ]
	cmp .git/config "$WORK/config.before"
	[ "$(git log -1 --format=%s)" = inside ]
}

@test "a missing hooks directory is made, then protected" {
	cd "$REPO"
	rm -rf .git/hooks
	run "$SANDCAGE" -q shell -- sh -c 'mkdir -p .git/hooks; echo x >.git/hooks/post-checkout && echo wrote'
	[ "$output" != wrote ]
	[ -d .git/hooks ]
	[ ! -e .git/hooks/post-checkout ]
}

@test "in a worktree the common git directory's hooks and config are read-only" {
	git -C "$REPO" worktree add -q "$WORK/wt"
	cd "$WORK/wt"
	run "$SANDCAGE" -q shell -- sh -c "
		(echo x >'$REPO/.git/hooks/pre-commit') 2>/dev/null && echo wrote-hook
		(echo x >>'$REPO/.git/config') 2>/dev/null && echo wrote-config
		(echo 'gitdir: /tmp' >.git) 2>/dev/null && echo wrote-dotgit
		git status --short --branch"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "## wt" ]
}

@test "secret files read as empty inside, and stay intact" {
	cd "$REPO"
	echo "API_KEY=secret" >.env
	echo "API_KEY=other" >.env.local
	echo "API_KEY=example" >.env.example
	mkdir -p app/config
	echo "DB=secret" >app/config/.env.production
	run "$SANDCAGE" -q shell -- sh -c '
		cat .env .env.local app/config/.env.production
		cat .env.example
		(echo leaked >.env) 2>/dev/null && echo wrote-env
		rm -f .env 2>/dev/null; [ -e .env ] || echo removed-env'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "API_KEY=example" ]
	[ "$(cat .env)" = "API_KEY=secret" ]
	[ "$(cat app/config/.env.production)" = "DB=secret" ]
}

@test "a symlink planted in the project gives no access to host files" {
	cd "$REPO"
	echo "host secret" >"$WORK/canary"
	ln -s "$WORK/canary" link
	ln -s "$WORK/canary" .env
	ln -s "$HOME/.ssh" ssh-dir
	# A link inside the project to a secret file masks the file itself.
	echo "TOKEN=in-project" >secrets.txt
	ln -s secrets.txt .env.prod
	run "$SANDCAGE" -q shell -- sh -c '
		cat link 2>/dev/null && echo read-link
		cat .env 2>/dev/null && echo read-env
		ls ssh-dir/ 2>/dev/null && echo listed-ssh
		cat .env.prod secrets.txt
		echo done'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = done ]
}

@test "a protected path that is a symlink is refused" {
	cd "$REPO"
	printf '{}\n' >"$WORK/outside.yml"
	ln -s "$WORK/outside.yml" .sandcage.local.yml
	run "$SANDCAGE" shell -- true
	[ "$status" -eq 1 ]
	[[ "$output" == *"$REPO/.sandcage.local.yml\` is a symbolic link"* ]]
	[ -z "$(containers_of "$REPO")" ]
}

@test "the secret-file scan is bounded, so a large tree starts fast" {
	cd "$REPO"
	echo "K=secret" >.env
	mkdir -p big deep/1/2/3/4/5/6/7
	(cd big && seq 1 12000 | xargs touch)
	echo "K=deep" >deep/1/2/3/4/5/6/7/.env
	start=$(date +%s%N)
	run "$SANDCAGE" shell -- cat .env
	end=$(date +%s%N)
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"files beyond are not masked"* ]]
	[ "${lines[-1]}" != "K=secret" ]
	# Well under the time of a container start on top.
	[ $(((end - start) / 1000000)) -lt 5000 ]
}

@test "credentials.mode env: an API key passed from the host is on no command line: ps shows only its name, the container has the value" {
	cd "$REPO"
	printf '\n[credentials]\nmode = "env"\n' >>"$SANDCAGE_HOME/config.toml"
	export ANTHROPIC_API_KEY=sk-ant-canary-4711
	"$SANDCAGE" -q shell -- sh -c 'echo "inside=$ANTHROPIC_API_KEY"; sleep 4' >"$WORK/out" 2>&1 &
	local pid=$!
	wait_running "$REPO"
	# Every process's command line while the session runs (the docker CLI's
	# among them), as any local user sees them.
	ps -ww -eo args >"$WORK/ps"
	wait "$pid"
	cat "$WORK/out"
	grep -q 'inside=sk-ant-canary-4711' "$WORK/out"
	grep -q -- '--env=ANTHROPIC_API_KEY' "$WORK/ps"
	run grep -c 'canary-4711' "$WORK/ps"
	[ "$output" = 0 ]
	# Nor does sandcage's -v, which prints the engine's command line.
	run "$SANDCAGE" -v shell -- true
	[ "$status" -eq 0 ]
	[[ "$output" == *"--env=ANTHROPIC_API_KEY"* ]]
	[[ "$output" != *canary-4711* ]]
}

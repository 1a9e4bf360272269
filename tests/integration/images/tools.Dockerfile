# The local base image plus the tools the integration tests run inside the
# sandbox (git for worktree tests, procps for process checks).
ARG BASE=sandcage-test/base:bookworm
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git procps openssh-client \
 && rm -rf /var/lib/apt/lists/*

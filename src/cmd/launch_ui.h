/* The command layer's side of a launch: asking for trust on a terminal,
 * printing the build's progress, notices and warnings, and what the network
 * proxy refused. Shared by every command that starts a container. */
#pragma once

#include "../launch/launch.h"

struct sc_cmd_launch_ui {
	struct sc_launch_ui ui;
	struct sc_build_observer observer;
	bool tty;     /* stderr is a terminal: one live progress line */
	bool verbose; /* every line of the build */
};

/* Fills `u` for this process's terminal and verbosity; u->ui is what a
 * request points to. */
void sc_cmd_launch_ui_init(struct sc_cmd_launch_ui *u);

/* Prints a failed launch; returns the exit code (a usage error for an
 * unknown agent). */
int sc_cmd_launch_failed(struct sc_error *err);

/* After the container: the network's teardown, with a warning naming what
 * its proxy refused. */
void sc_cmd_launch_end(struct sc_launch *l);

/* Asks a yes/no question on the terminal; false without one. */
bool sc_cmd_ask(const char *question);
/* Asks on stderr and reads the answer from stdin, terminal or not. */
bool sc_cmd_ask_yes(const char *question);

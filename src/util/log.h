/* Messages for the user on stderr. Verbosity: -1 quiet (errors only),
 * 0 normal (warnings and notices), 1+ verbose (debug). */
#pragma once

#include "util.h"

extern int sc_log_verbosity;

/* The least verbosity a message is shown at. */
enum sc_log_level {
	SC_LOG_ERROR = -1,
	SC_LOG_WARN = 0,
	SC_LOG_NOTICE = 0,
	SC_LOG_DEBUG = 1,
};

/* "sandcage: PREFIX MESSAGE\n" in one write, when sc_log_verbosity is at
 * least `level`. */
void sc_log(enum sc_log_level level, const char *prefix, const char *fmt, ...) _printf_(3, 4);

#define sc_log_error(...)  sc_log(SC_LOG_ERROR, "error: ", __VA_ARGS__)
#define sc_log_warn(...)   sc_log(SC_LOG_WARN, "warning: ", __VA_ARGS__)
#define sc_log_notice(...) sc_log(SC_LOG_NOTICE, "", __VA_ARGS__)
#define sc_log_debug(...)  sc_log(SC_LOG_DEBUG, "debug: ", __VA_ARGS__)

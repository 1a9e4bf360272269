/* Messages for the user on stderr. Verbosity: -1 quiet (errors only),
 * 0 normal (warnings and notices), 1+ verbose (debug). */
#pragma once

#include "util.h"

extern int sc_log_verbosity;

void sc_log_error(const char *fmt, ...) _printf_(1, 2);
void sc_log_warn(const char *fmt, ...) _printf_(1, 2);
void sc_log_notice(const char *fmt, ...) _printf_(1, 2);
void sc_log_debug(const char *fmt, ...) _printf_(1, 2);

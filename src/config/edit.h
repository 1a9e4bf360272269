/* Editing the global configuration file (TOML) in place. */
#pragma once

#include "../util/error.h"

#include <stdbool.h>

/* The smallest edit of the TOML `text` (read from `file`, for messages) that
 * makes ssh.enabled true: the value replaced in place, a line below an [ssh]
 * header, or a table appended. Returns the new text; NULL with *already true
 * when it is true already, or NULL with *err when no edit can be made
 * safely. */
char *sc_config_edit_enable_ssh(const char *text, const char *file, bool *already,
                                struct sc_error **err);

/* Sets ssh.enabled = true in the TOML file at `config` (created when
 * missing; a symbolic link is followed and the file it names is edited).
 * *changed tells whether the file was written. */
int sc_config_enable_ssh(const char *config, bool *changed, struct sc_error **err);

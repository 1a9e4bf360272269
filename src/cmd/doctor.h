/* The checks of `sandcage doctor` (doctor.c), and its report on where each
 * agent's credential lives (doctor_creds.c). */
#pragma once

#include "../config/config.h"
#include "../util/util.h"
#include "../util/vec.h"

/* A line of the credentials report: a warning (a secret in plain text)
 * or where a credential lives. */
enum doctor_level { DOCTOR_INFO, DOCTOR_WARN };

struct doctor_finding {
	char *name; /* the agent, or "env_passthrough" */
	enum doctor_level level;
	char *reason;
};

void doctor_finding_free(void *p);

/* Whether a variable's name looks like a secret's: it ends in _KEY, _TOKEN
 * or _SECRET (or is KEY, TOKEN, SECRET), or has PASSWORD or PASSWD in it;
 * in any case. */
bool doctor_secret_name(const char *name);

/* The probe's last arguments: `--logins`, then each login file an agent
 * keeps in its home, relative to HOME, as "FILE" or "FILE:KEY" (KEY: the
 * JSON key the file must contain to be a login). The probe answers a line
 * "login<TAB>found<TAB>ARG" for each that is there. */
void doctor_login_args(struct strv *command);

/* The credentials report, appended to `findings` (a vec freeing with
 * doctor_finding_free): for each enabled agent of `cfg`, the variables
 * with a secret's name set in `host_env` ("NAME=value", NULL-terminated)
 * that reach its container (warnings; never a value), the login files the
 * probe found in the home volume (`probe_out`, the probe's output; NULL
 * when it did not run), or that none was found; then env_passthrough's
 * variables with a secret's name. */
/* `logins_dir`: the login store of `home.scope: project` (GLOBAL/logins),
 * where the report says the login files live. */
void doctor_credentials(struct vec *findings, const struct sc_config *cfg, char *const *host_env,
                        const char *probe_out, const char *logins_dir);

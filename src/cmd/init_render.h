/* The text `sandcage init` writes (init_render.c). Apart from init.c so that
 * the unit tests link it without the command table. */
#pragma once

#include "../workspace/ecosystem.h"

/* The text of a commented .sandcage.yml with the suggested toolchains and
 * packages (it always loads through the configuration code). */
char *sc_init_render_yaml(const struct sc_ecosystems *eco);

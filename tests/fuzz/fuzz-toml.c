/* libFuzzer target for the TOML parser: any input must parse or fail with a
 * positioned message, never crash, hang or leak. The first input byte picks
 * the TOML version, so both grammars are explored. */
#include "config/toml.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum sc_toml_version version = SC_TOML_1_0;
	if (size > 0 && data[0] == '\x01') {
		version = SC_TOML_1_1;
		data++;
		size--;
	}
	struct sc_value *v = NULL;
	struct sc_error *err = NULL;
	int r = sc_toml_parse_version((const char *)data, size, "fuzz.toml", version, &v, &err);
	if (r < 0) {
		if (v || !err || strncmp(err->msg, "fuzz.toml:", 10) != 0)
			abort();
	} else if (!v || v->kind != SC_VALUE_TABLE || err) {
		abort();
	}
	sc_value_free(v);
	sc_error_free(err);
	return 0;
}

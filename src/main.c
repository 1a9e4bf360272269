/* sandcage: run AI coding agents in isolated containers. The command table,
 * its options and the help are in src/cmd/cmd.c. */
#include "cmd/cmd.h"

#include <locale.h>

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	return sc_cmd_main(argc, argv);
}

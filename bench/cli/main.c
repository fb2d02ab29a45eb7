/* The thin gamebench executable: everything lives in the libraries (bench/, engine/, sim/,
 * reports/) so that the tests can link them. jemalloc is linked in as the allocator. */
#include "gb_cli.h"

int main(int argc, char **argv) { return gb_cli_main(argc, argv); }

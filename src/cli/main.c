/* main.c — placeholder entry point while the CLI is built. */
#include <stdio.h>
int main(void) { puts("assay"); return 0; }

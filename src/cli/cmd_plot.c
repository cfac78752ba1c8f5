// cmd_plot.c — `calla plot` (placeholder until implemented).
#include "cli/commands.h"
#include "common/util.h"

int main_plot(int argc, char **argv) {
    (void)argc;
    (void)argv;
    calla_err("not implemented yet");
    return CALLA_EXIT_RUNTIME;
}

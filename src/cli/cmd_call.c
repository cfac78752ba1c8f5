// cmd_call.c — `calla call` (placeholder until implemented).
#include "cli/commands.h"
#include "common/util.h"

int main_call(int argc, char **argv) {
    (void)argc;
    (void)argv;
    calla_err("not implemented yet");
    return CALLA_EXIT_RUNTIME;
}

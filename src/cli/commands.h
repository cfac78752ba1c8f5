// commands.h — one entry point per command, each in its own src/cli/cmd_*.c file.
// Each returns the process exit status: 0 success, 1 runtime error, 2 usage error.
#ifndef CALLA_COMMANDS_H
#define CALLA_COMMANDS_H
int main_tensors(int argc, char **argv);
int main_view(int argc, char **argv);
int main_train(int argc, char **argv);
int main_plot(int argc, char **argv);
int main_call(int argc, char **argv);
int main_merge_shards(int argc, char **argv);  // `calla merge-shards` (calling/shard.h)
int main_eval(int argc, char **argv);
int main_haplotag(int argc, char **argv);  // `calla haplotag` (phasing/phasing.h)
int main_simulate(int argc, char **argv);
int main_model(int argc, char **argv);
int main_model_import_clair3(int argc, char **argv);  // `calla model import-clair3`
int main_model_create(int argc, char **argv);         // `calla model create`
#endif

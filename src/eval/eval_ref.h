// eval_ref.h — indexed reference access for `calla eval`: contig lookup, a windowed sequence
// cache, and allele normalisation (trim + left-align, as in Tan et al. 2015, "Unified
// representation of genetic variants").
#ifndef CALLA_EVAL_REF_H
#define CALLA_EVAL_REF_H
#include <stdint.h>

#include <htslib/kstring.h>

typedef struct EvalRef EvalRef;

// Opens a FASTA (plain or bgzipped) that has a .fai (and .gzi) index; NULL with a message.
EvalRef *eval_ref_open(const char *path);
void eval_ref_close(EvalRef *r);
const char *eval_ref_path(const EvalRef *r);
int eval_ref_nctg(const EvalRef *r);
const char *eval_ref_ctg_name(const EvalRef *r, int ctg);
int64_t eval_ref_ctg_len(const EvalRef *r, int ctg);
// Index of contig `name` (in .fai order), or -1 when the reference lacks it.
int eval_ref_ctg(const EvalRef *r, const char *name);
// Upper-case bases [beg, end) of contig ctg (valid until the next call), or NULL with a message
// when the range lies outside the contig or the read fails.
const char *eval_ref_seq(EvalRef *r, int ctg, int64_t beg, int64_t end);

// Normalises one bi-allelic variant in place: removes shared trailing bases (re-anchoring on
// the base to the left whenever an allele would become empty), which shifts indels to their
// leftmost equivalent position, then removes shared leading bases while both alleles keep at
// least one base. *pos is 0-based. ref and alt must be upper case and differ.
// Returns 0, or -1 with a message when the reference cannot be read.
int eval_normalize(EvalRef *r, int ctg, int64_t *pos, kstring_t *ref, kstring_t *alt);

#endif

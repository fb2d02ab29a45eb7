/* The standard normal's upper tail Q(z) = 1 - Φ(z), tabulated (engine/reco/gen/gb_phi_gen.c
 * writes the table at build time from libm's erfc), to be linearly interpolated: within 5e-7 of
 * Q, and within 2e-4 of it relatively up to z = 6, for a few ns (no exp). Internal to gb_reco:
 * gb_algo_max_prob_normal reads it. */
#ifndef GB_ALGO_PHI_H
#define GB_ALGO_PHI_H

enum {
  GB_PHI_PER_UNIT = 256,            /* table steps per standard deviation */
  GB_PHI_LAST = 8 * GB_PHI_PER_UNIT /* the last entry: z = 8, Q = 6e-16 */
};

extern const double gb_algo_phi_upper[GB_PHI_LAST + 1];

#endif

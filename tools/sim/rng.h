/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulator's random numbers: xoshiro256** seeded through splitmix64.
 * Not cryptographic; node IDs only need to be uniform, and a run must be
 * the same run again given the same seed, on any machine.
 */
#ifndef VCOYO_SIM_RNG_H
#define VCOYO_SIM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n); n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Uniform in [0, 1). */
double rng_double(struct rng *r);
/* A well-mixed value from @x: seeds for sub-generators and kad nodes. */
uint64_t rng_mix(uint64_t x);

#endif /* VCOYO_SIM_RNG_H */

// plan_id.hpp — plan tree -> 64-bit shape fingerprint (plan_id.cpp).
#pragma once

#include "pg.hpp"

namespace pgpf
{

// What the detectors may want to look at, noted during the walk.
constexpr uint32 PLAN_HAS_OFFSET = 1;  // a Limit node with an OFFSET
constexpr uint32 PLAN_HAS_SEQSCAN = 2; // a (parallel) sequential scan with a filter

// Never 0 (0 marks utility statements). *features receives PLAN_HAS_* bits when not NULL.
uint64 compute_plan_id(const PlannedStmt *stmt, uint32 *features);

} // namespace pgpf

// plan_id.hpp — plan tree -> 64-bit shape fingerprint (plan_id.cpp).
#pragma once

#include "pg.hpp"

namespace pgpf
{

// What the detectors may want to look at, noted during the walk.
constexpr uint32 PLAN_HAS_OFFSET = 1;  // a Limit node with an OFFSET
constexpr uint32 PLAN_HAS_SEQSCAN = 2; // a (parallel) sequential scan with a filter
// For the N+1 detector, which judges a SELECT by what it is: a lookup by key has a scan with a
// condition (index condition or filter) and no list of values; `= ANY($1)` or `IN (...)` in a
// scan's conditions make it a batch.
constexpr uint32 PLAN_HAS_SCAN_QUAL = 4;  // a scan with an index condition or a filter
constexpr uint32 PLAN_HAS_VALUE_LIST = 8; // a scan condition on a list of values

// What the walk mixes and how: any change gives every plan another id, so it must come with a new
// version (persist.cpp then ignores statistics saved with the old ids instead of showing every
// query's plan as changed). 2: the list-walking walk of 2026-11-30.
constexpr uint32 kPlanIdVersion = 2;

// Never 0 (0 marks utility statements). *features receives PLAN_HAS_* bits when not NULL.
uint64 compute_plan_id(const PlannedStmt *stmt, uint32 *features);

} // namespace pgpf

// What pg_perfgate saw that explains a gate failure, in words a reviewer can act on: the plan a
// statement changed to ("Index Scan using orders_customer on orders -> Seq Scan on orders", with both
// plan ids), the statements that appeared or now run more often, the statement whose buffers or temp
// blocks grew. Statements are matched across runs and A/B arms by their normalized text, which names
// tables (plan ids and query ids hash OIDs, which differ between arms). PG-free.
#pragma once

#include "results.hpp"

#include <string>
#include <vector>

namespace perfgate
{

// The node lines that differ between two plan texts (EXPLAIN, costs off), as "old -> new"; the whole
// shapes when only the order of the same nodes changed; empty when the shapes are the same.
std::string plan_change(const std::string &old_plan, const std::string &new_plan);

// Evidence lines for one variant at one size, baseline against current, for the gate that failed
// ("statements", "round_trips", "buffers", "temp_blocks", "latency", "plans", ...).
std::vector<std::string> extension_evidence(const ExtFigures &baseline, const ExtFigures &current,
                                            const std::string &gate);

} // namespace perfgate

// Plan shapes without the extension: EXPLAIN (COSTS OFF) of a statement with the parameters it was
// last run with, reduced to the node lines (node type, relation, index, tree indentation) so that
// constants, filters and estimates never change the shape. Same idea as the extension's plan id, so
// a dropped index or an OFFSET rewrite shows up even on a server without pg_perfgate.
#pragma once

#include "pg.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace perfgate
{

// Node lines of an EXPLAIN text, one per line, indentation kept.
std::string plan_shape(const std::vector<std::string> &explain_lines);
std::string shape_hash(const std::string &shape);
// Whether EXPLAIN accepts the statement (SELECT, INSERT, UPDATE, DELETE, WITH, VALUES, TABLE).
bool explainable(const std::string &sql);
// (hash, shape), or nullopt when the statement cannot be explained.
std::optional<std::pair<std::string, std::string>> explain_shape(Connection &conn, const std::string &sql,
                                                                 const std::vector<Param> &params);

// The query id the server gives the statement (EXPLAIN VERBOSE's "Query Identifier"), or nullopt when
// it cannot be explained or the server computes no query ids.
std::optional<std::string> explain_queryid(Connection &conn, const std::string &sql,
                                           const std::vector<Param> &params);

} // namespace perfgate

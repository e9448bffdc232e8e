// perfgate capture, the data side: the DDL of the tables the captured statements touch, read from the
// catalogs (columns, defaults, identity, constraints and indexes; foreign keys left out, since the
// generated rows do not honour them), and INSERT ... SELECT steps that fill them with rows generated
// from the server's statistics: reltuples x scale rows, each column's null fraction, most common
// values with their frequencies, and histogram (values drawn uniformly from its bounds, which is
// how an equi-depth histogram divides the rest), unique columns numbered. Also --redact: sampled
// values replaced by values drawn from the statistics of the column they are compared with.
#pragma once

#include "pg.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace perfgate
{

struct DataStep
{
    std::string sql;
    std::vector<Param> params;
};

struct ColumnStats
{
    std::string type;
    double null_frac = 0;
    std::vector<std::string> mcv; // elements, as text
    std::vector<double> freqs;
    std::vector<std::string> hist;
};

struct DataPlan
{
    std::vector<DataStep> setup;                    // DDL, data, sequence positions, ANALYZE
    std::vector<DataStep> teardown;                 // DROP TABLE ... CASCADE
    std::map<std::string, std::string> unsupported; // table -> why it cannot be rebuilt
    std::vector<std::string> notes;                 // what was left out (foreign keys, ...)
    std::map<std::string, ColumnStats> columns;     // column name -> its statistics (for --redact)
};

// `conn` is in a read-only transaction; its search_path is set here to the tables' schemas, so that
// the catalogs print the DDL with unqualified names (the workload runs in a schema of its own).
DataPlan plan_tables(Connection &conn, const std::set<std::pair<std::string, std::string>> &tables,
                     double scale, bool redact);

// --redact: every sampled value of `query` compared with a column (col = $k, col < $k, col IN ($k),
// col LIKE $k, ...) replaced by a value drawn from that column's statistics; LIMIT/OFFSET values are
// kept (they are no data). false when some $k is compared with no column that has statistics: the
// statement cannot be replayed without real values.
bool redact_samples(const DataPlan &data, const std::string &query, std::vector<std::vector<Param>> &samples,
                    bool *redacted);

// The elements of a PostgreSQL array literal ({a,"b c",NULL}); NULL elements are left out.
std::vector<std::string> parse_array_literal(const std::string &text);

} // namespace perfgate

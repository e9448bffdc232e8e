// Growth of a cost with data size: the exponent b of cost ~ a * n^b from a least-squares fit in
// log-log space, and a coarse class (constant, logarithmic, linear, superlinear). PG-free.
// The fit uses the larger half of the sizes (at least two points): at small n fixed overheads such as
// the round trip dominate and would hide how the cost grows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace perfgate
{

enum class GrowthClass
{
    constant,
    logarithmic,
    linear,
    superlinear,
    unknown
};

struct Growth
{
    double exponent = 0;
    double r2 = 0;
    GrowthClass cls = GrowthClass::unknown;
    int points = 0;
};

// sizes ascending and positive; values > 0 (non-positive values are skipped).
Growth fit_growth(const std::vector<std::int64_t> &sizes, const std::vector<double> &values);
GrowthClass classify_exponent(double exponent);
std::string to_string(GrowthClass c);

} // namespace perfgate

// Log-log least squares for the growth exponent. Thresholds are documented in docs/workloads.md: a
// logarithmic cost over n = 10..1e5 shows a local log-log slope of about 0.1-0.4, a linear cost plus a
// fixed overhead about 0.7-1.
#include "growth.hpp"

#include <cmath>

namespace perfgate
{

GrowthClass classify_exponent(double e)
{
    if (std::isnan(e))
        return GrowthClass::unknown;
    if (e < 0.1)
        return GrowthClass::constant;
    if (e < 0.6)
        return GrowthClass::logarithmic;
    if (e < 1.35)
        return GrowthClass::linear;
    return GrowthClass::superlinear;
}

std::string to_string(GrowthClass c)
{
    switch (c)
    {
    case GrowthClass::constant:
        return "constant";
    case GrowthClass::logarithmic:
        return "logarithmic";
    case GrowthClass::linear:
        return "linear";
    case GrowthClass::superlinear:
        return "superlinear";
    default:
        return "unknown";
    }
}

Growth fit_growth(const std::vector<std::int64_t> &sizes, const std::vector<double> &values)
{
    Growth g;
    std::vector<double> xs, ys;
    for (std::size_t i = 0; i < sizes.size() && i < values.size(); ++i)
        if (sizes[i] > 0 && values[i] > 0)
        {
            xs.push_back(std::log(static_cast<double>(sizes[i])));
            ys.push_back(std::log(values[i]));
        }
    if (xs.size() < 2)
        return g;
    // The larger half, but never fewer than two points.
    const std::size_t keep = std::max<std::size_t>(2, (xs.size() + 1) / 2);
    xs.erase(xs.begin(), xs.end() - static_cast<std::ptrdiff_t>(keep));
    ys.erase(ys.begin(), ys.end() - static_cast<std::ptrdiff_t>(keep));
    const double n = static_cast<double>(xs.size());
    double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
    for (std::size_t i = 0; i < xs.size(); ++i)
    {
        sx += xs[i];
        sy += ys[i];
        sxx += xs[i] * xs[i];
        sxy += xs[i] * ys[i];
        syy += ys[i] * ys[i];
    }
    const double vx = sxx - sx * sx / n, vy = syy - sy * sy / n, cxy = sxy - sx * sy / n;
    if (vx <= 0)
        return g;
    g.exponent = cxy / vx;
    g.r2 = vy > 0 ? cxy * cxy / (vx * vy) : 1.0;
    g.points = static_cast<int>(xs.size());
    g.cls = classify_exponent(g.exponent);
    return g;
}

} // namespace perfgate

// Merging of counters across entries (Chan et al.'s parallel variance) and IoUsage sums.
#include "counters.hpp"

#include <cmath>

namespace pgpf
{

void TimeStats::merge(const TimeStats &o)
{
    if (o.n == 0)
        return;
    if (n == 0)
    {
        *this = o;
        return;
    }
    const double na = static_cast<double>(n), nb = static_cast<double>(o.n);
    const double delta = o.mean - mean;
    const double nn = na + nb;
    m2 = m2 + o.m2 + delta * delta * na * nb / nn;
    mean = (mean * na + o.mean * nb) / nn;
    total += o.total;
    n += o.n;
    if (o.min < min)
        min = o.min;
    if (o.max > max)
        max = o.max;
}

double TimeStats::stddev() const
{
    if (n < 2)
        return 0.0;
    const double v = m2 / static_cast<double>(n);
    return v > 0 ? std::sqrt(v) : 0.0;
}

void JitUsage::add(const JitUsage &o)
{
    functions += o.functions;
    generation_time += o.generation_time;
    inlining_count += o.inlining_count;
    inlining_time += o.inlining_time;
    optimization_count += o.optimization_count;
    optimization_time += o.optimization_time;
    emission_count += o.emission_count;
    emission_time += o.emission_time;
    deform_count += o.deform_count;
    deform_time += o.deform_time;
}

void Counters::merge(const Counters &o)
{
    exec.merge(o.exec);
    plan.merge(o.plan);
    rows += o.rows;
    io.add(o.io);
    jit.add(o.jit);
    if (o.first_seen != 0 && (first_seen == 0 || o.first_seen < first_seen))
        first_seen = o.first_seen;
    if (o.last_seen > last_seen)
        last_seen = o.last_seen;
}

} // namespace pgpf

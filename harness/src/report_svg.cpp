// A self-contained SVG: one small log-log chart per scenario, median latency against n, one line per
// variant. Log axes because the point is the slope: a constant cost is flat, a linear one rises one
// decade per decade.
#include "export.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace perfgate
{
namespace
{

constexpr const char *palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                   "#9467bd", "#8c564b", "#e377c2"};

std::string esc(const std::string &s)
{
    std::string out;
    for (char c : s)
        out += c == '<'   ? std::string("&lt;")
               : c == '&' ? std::string("&amp;")
               : c == '>' ? std::string("&gt;")
                          : std::string(1, c);
    return out;
}

} // namespace

std::string render_svg(const Results &r)
{
    const int cw = 420, ch = 300, cols = 2;
    const int rows = static_cast<int>((r.scenarios.size() + cols - 1) / cols);
    std::string out =
        fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
                    "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" "
                    "fill=\"white\"/>\n",
                    cw * cols, ch * std::max(rows, 1));
    for (std::size_t si = 0; si < r.scenarios.size(); ++si)
    {
        const ScenarioResult &s = r.scenarios[si];
        const int ox = static_cast<int>(si % cols) * cw, oy = static_cast<int>(si / cols) * ch;
        const double left = ox + 55, right = ox + cw - 130, top = oy + 30, bottom = oy + ch - 40;
        double xmin = 1e300, xmax = -1e300, ymin = 1e300, ymax = -1e300;
        for (const auto &v : s.variants)
            for (const auto &z : v.sizes)
                if (z.median_ms() > 0)
                {
                    xmin = std::min(xmin, std::log10(static_cast<double>(z.n)));
                    xmax = std::max(xmax, std::log10(static_cast<double>(z.n)));
                    ymin = std::min(ymin, std::log10(z.median_ms()));
                    ymax = std::max(ymax, std::log10(z.median_ms()));
                }
        out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"13\" font-weight=\"bold\">{}</text>\n",
                           ox + 10, oy + 18, esc(s.name));
        if (xmin > xmax)
            continue;
        ymin = std::floor(ymin);
        ymax = std::max(std::ceil(ymax), ymin + 1);
        xmin = std::floor(xmin);
        xmax = std::max(std::ceil(xmax), xmin + 1);
        auto X = [&](double lx) { return left + (lx - xmin) / (xmax - xmin) * (right - left); };
        auto Y = [&](double ly) { return bottom - (ly - ymin) / (ymax - ymin) * (bottom - top); };
        out += fmt::format(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\n", left, top,
            right - left, bottom - top);
        for (double d = xmin; d <= xmax + 1e-9; d += 1)
            out += fmt::format(
                "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#eee\"/><text x=\"{0}\" "
                "y=\"{3}\" text-anchor=\"middle\">1e{4}</text>\n",
                X(d), top, bottom, bottom + 14, static_cast<int>(d));
        for (double d = ymin; d <= ymax + 1e-9; d += 1)
            out += fmt::format(
                "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#eee\"/><text x=\"{3}\" "
                "y=\"{4}\" text-anchor=\"end\">{5:g} ms</text>\n",
                left, Y(d), right, left - 4, Y(d) + 4, std::pow(10.0, d));
        out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">n</text>\n", (left + right) / 2,
                           bottom + 28);
        for (std::size_t vi = 0; vi < s.variants.size(); ++vi)
        {
            const VariantResult &v = s.variants[vi];
            const char *color = palette[vi % std::size(palette)];
            std::string pts;
            for (const auto &z : v.sizes)
                if (z.median_ms() > 0)
                {
                    const double x = X(std::log10(static_cast<double>(z.n))),
                                 y = Y(std::log10(z.median_ms()));
                    pts += fmt::format("{:.1f},{:.1f} ", x, y);
                    out += fmt::format(
                        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"><title>{} n={}: {:.3f} "
                        "ms</title></circle>\n",
                        x, y, color, esc(v.name), z.n, z.median_ms());
                }
            out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>\n",
                               pts, color);
            const VariantGrowth g = variant_growth(v);
            out += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\">{} ({}, {:.2f})</text>\n", right + 6,
                               top + 12 + 14 * static_cast<double>(vi), color, esc(v.name),
                               to_string(g.latency.cls), g.latency.exponent);
        }
    }
    return out + "</svg>\n";
}

namespace
{

class SvgExporter final : public Exporter
{
  public:
    std::string render(const Results &r, const GateOutcome *, const Results *) const override
    {
        return render_svg(r);
    }
};

const SvgExporter exporter;

} // namespace

extern const ReportFormat svg_report{"svg", "write an SVG chart of latency against data size per variant",
                                     false, exporter};

} // namespace perfgate

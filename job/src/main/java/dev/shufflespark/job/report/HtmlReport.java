package dev.shufflespark.job.report;

import dev.shufflespark.job.config.Settings;
import dev.shufflespark.job.stats.PartitionRecorder;
import dev.shufflespark.job.stats.PartitionStats;
import dev.shufflespark.job.stats.StageHistogram;
import dev.shufflespark.job.stats.Summary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched. Charts:
 * throughput over time ({@code svg#throughput}, one {@code circle.point} per time step), images/s per
 * executor ({@code svg#executors}, one {@code rect.bar} each), time per stage ({@code svg#stages}),
 * decode and inference latency histograms ({@code svg#latency-decode}, {@code svg#latency-infer}, one bar
 * per non-empty bin), the scaling curve of a benchmark ({@code svg#scaling}, one point per run); tables of
 * failures by reason ({@code table#failures}) and of the configuration ({@code table#configuration}).
 */
public final class HtmlReport {

    /** Time steps of the throughput chart, at most. */
    static final int TIME_STEPS = 40;
    /** Bins of a latency histogram, logarithmic between the fastest and the slowest image. */
    static final int LATENCY_BINS = 24;

    private static final int WIDTH = 760;
    private static final String[] COLOURS = {"#2f6fb3", "#e07b39", "#4c9a4c", "#b8455a", "#7a5cb3", "#8a8a3a"};

    private HtmlReport() {
    }

    public static String render(ReportData data) {
        Summary s = data.summary();
        StringBuilder h = new StringBuilder(32_768);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
                .append(esc(data.title())).append("</title>\n<style>\n")
                .append("body{font:14px/1.4 sans-serif;margin:24px;color:#222;max-width:820px}\n")
                .append("h1{font-size:20px}h2{font-size:16px;margin-top:28px}\n")
                .append("table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #ddd;")
                .append("text-align:left;vertical-align:top}td.n{text-align:right}\n")
                .append("svg text{font:12px sans-serif;fill:#333}.note{color:#a33}#configuration td{word-break:break-all}\n")
                .append("</style></head><body>\n");
        h.append("<h1>").append(esc(data.title())).append("</h1>\n");
        overview(h, s);
        h.append("<h2>Throughput over time</h2>\n");
        throughput(h, data.partitions());
        h.append("<h2>Images per second by executor</h2>\n");
        executors(h, s);
        h.append("<h2>Time per stage</h2>\n");
        stages(h, data.partitions());
        h.append("<h2>Latency per image</h2>\n");
        latency(h, "decode", data.partitions());
        latency(h, "infer", data.partitions());
        h.append("<h2>Failures by reason</h2>\n");
        failures(h, s);
        if (!s.attempts.isEmpty()) {
            h.append("<h2>Attempts</h2>\n");
            attempts(h, s);
        }
        if (!data.scaling().isEmpty()) {
            h.append("<h2>Scaling</h2>\n");
            scaling(h, data.scaling());
        }
        h.append("<h2>Configuration</h2>\n");
        configuration(h, s.configuration);
        h.append("</body></html>\n");
        return h.toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // sections

    private static void overview(StringBuilder h, Summary s) {
        h.append("<table id=\"overview\">\n");
        row(h, "model", s.model + (s.modelSha256 == null ? "" : " (sha256 " + s.modelSha256 + ")"));
        if (s.weightsNote != null) {
            h.append("<tr><th>weights</th><td class=\"note\">").append(esc(s.weightsNote)).append("</td></tr>\n");
        }
        row(h, "run", s.runId);
        row(h, "images", s.images + " (" + s.ok + " OK, " + s.failed + " failed)");
        row(h, "wall time", fmt(s.wallSeconds) + " s");
        row(h, "images/s", fmt(s.imagesPerSecond) + " overall, " + fmt(s.imagesPerSecondPerCore) + " per core ("
                + s.cores + " cores)");
        row(h, "partitioning", s.partitioning);
        if (s.attempts.size() > 1) {
            row(h, "attempts", s.attempts.size() + " (the first run and " + (s.attempts.size() - 1) + " resumes), "
                    + fmt(s.timeLostSeconds) + " s of work lost to crashes");
        }
        row(h, "kernel path", String.join("; ", s.kernelPaths));
        row(h, "versions", "Spark " + s.sparkVersion + ", Java " + s.javaVersion);
        h.append("</table>\n");
    }

    /** Images/s over the run, each partition's images spread evenly over its own span. */
    private static void throughput(StringBuilder h, List<PartitionStats> parts) {
        if (parts.isEmpty()) {
            h.append("<p>No partitions ran.</p>\n");
            return;
        }
        long t0 = Long.MAX_VALUE;
        double t1 = Double.NEGATIVE_INFINITY;
        for (PartitionStats p : parts) {
            t0 = Math.min(t0, p.startMillis());
            t1 = Math.max(t1, p.startMillis() + p.wallNanos() / 1e6);
        }
        int steps = Math.max(2, Math.min(TIME_STEPS, 2 * parts.size()));
        double span = Math.max(1, t1 - t0);
        double step = span / steps;
        double[] images = new double[steps];
        for (PartitionStats p : parts) {
            double a = p.startMillis() - t0;
            double b = a + p.wallNanos() / 1e6;
            if (b <= a) {
                images[Math.min(steps - 1, (int) (a / step))] += p.images();
                continue;
            }
            for (int i = 0; i < steps; i++) {
                double overlap = Math.min(b, (i + 1) * step) - Math.max(a, i * step);
                if (overlap > 0) {
                    images[i] += p.images() * overlap / (b - a);
                }
            }
        }
        double[] x = new double[steps];
        double[] y = new double[steps];
        for (int i = 0; i < steps; i++) {
            x[i] = (i + 0.5) * step / 1000;
            y[i] = images[i] / (step / 1000);
        }
        lineChart(h, "throughput", x, y, null, "seconds since the first task started", "images/s");
    }

    private static void executors(StringBuilder h, Summary s) {
        List<String> labels = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (Summary.ExecutorShare e : s.executors) {
            labels.add("executor " + e.executorId() + " (" + e.host() + ")");
            values.add(e.imagesPerSecond());
            texts.add(fmt(e.imagesPerSecond()) + " images/s, " + e.images() + " images, " + e.tasks() + " tasks");
        }
        bars(h, "executors", labels, values, texts);
    }

    private static void stages(StringBuilder h, List<PartitionStats> parts) {
        double[] seconds = new double[4];
        for (PartitionStats p : parts) {
            seconds[0] += p.readNanos() / 1e9;
            seconds[1] += p.decodeNanos() / 1e9;
            seconds[2] += p.preprocessNanos() / 1e9;
            seconds[3] += p.inferNanos() / 1e9;
        }
        double total = seconds[0] + seconds[1] + seconds[2] + seconds[3];
        List<String> labels = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        if (total > 0) {
            for (int i = 0; i < 4; i++) {
                labels.add(PartitionRecorder.STAGES[i]);
                values.add(seconds[i]);
                texts.add(fmt(seconds[i]) + " s (" + fmt(100 * seconds[i] / total) + "%)");
            }
        }
        bars(h, "stages", labels, values, texts);
    }

    private static void latency(StringBuilder h, String stage, List<PartitionStats> parts) {
        StageHistogram all = new StageHistogram();
        for (PartitionStats p : parts) {
            StageHistogram one = p.stages().get(stage);
            if (one != null) {
                all.merge(one);
            }
        }
        h.append("<h3>").append(esc(stage)).append(", milliseconds</h3>\n");
        if (all.total() == 0) {
            h.append("<p>No images.</p>\n");
            return;
        }
        double lo = Math.max(1e-3, all.quantile(0));
        double hi = Math.max(lo * 1.5, all.quantile(1) * 1.02);
        double[] edges = new double[LATENCY_BINS + 1];
        for (int i = 0; i <= LATENCY_BINS; i++) {
            edges[i] = lo * Math.pow(hi / lo, (double) i / LATENCY_BINS);
        }
        long[] counts = all.binned(edges);
        histogram(h, "latency-" + stage, edges, counts);
    }

    private static void failures(StringBuilder h, Summary s) {
        if (s.failuresByReason.isEmpty()) {
            h.append("<table id=\"failures\"><tr><th>reason</th><th>images</th></tr></table>\n<p>None.</p>\n");
            return;
        }
        h.append("<table id=\"failures\"><tr><th>reason</th><th>images</th></tr>\n");
        s.failuresByReason.forEach((reason, n) -> h.append("<tr><td>").append(esc(reason))
                .append("</td><td class=\"n\">").append(n).append("</td></tr>\n"));
        h.append("</table>\n");
    }

    /** The first run and each resume: what each committed, and what a crash cost. */
    private static void attempts(StringBuilder h, Summary s) {
        h.append("<table id=\"attempts\"><tr><th>run</th><th>mode</th><th>started</th><th>units</th><th>images</th>")
                .append("<th>work s</th><th>ended</th><th>lost s</th><th>lost images</th><th>failed tasks</th>")
                .append("<th>lost executors</th></tr>\n");
        for (Summary.AttemptSummary a : s.attempts) {
            StringBuilder lost = new StringBuilder();
            for (var e : a.lostExecutors()) {
                lost.append(lost.length() == 0 ? "" : ", ").append(e.executorId());
            }
            h.append("<tr><td>").append(esc(a.runId())).append("</td><td>").append(esc(a.mode())).append("</td><td>")
                    .append(esc(a.started())).append("</td><td class=\"n\">").append(a.units())
                    .append("</td><td class=\"n\">").append(a.images()).append("</td><td class=\"n\">")
                    .append(fmt(a.workSeconds())).append("</td><td>").append(a.killed() ? "killed" : "")
                    .append("</td><td class=\"n\">").append(a.killed() ? fmt(a.lostSeconds()) : "")
                    .append("</td><td class=\"n\">").append(a.killed() ? Long.toString(a.lostImages()) : "")
                    .append("</td><td class=\"n\">").append(a.failedTasks()).append("</td><td>")
                    .append(esc(lost.toString())).append("</td></tr>\n");
        }
        h.append("</table>\n");
        if (s.timeLostSeconds > 0 || s.imagesLost > 0) {
            h.append("<p>Lost to crashes: ").append(fmt(s.timeLostSeconds)).append(" s of work, ")
                    .append(s.imagesLost).append(" images classified again.</p>\n");
        }
    }

    private static void scaling(StringBuilder h, List<ScalingPoint> points) {
        double[] x = new double[points.size()];
        double[] y = new double[points.size()];
        double[] ideal = new double[points.size()];
        ScalingPoint base = points.get(0);
        double perCore = base.cores() > 0 ? base.imagesPerSecond() / base.cores() : 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i).cores();
            y[i] = points.get(i).imagesPerSecond();
            ideal[i] = perCore * points.get(i).cores();
        }
        lineChart(h, "scaling", x, y, ideal, "cores (dashed: linear from the first run)", "images/s");
        h.append("<table id=\"scaling-table\"><tr><th>executors</th><th>cores</th><th>images</th><th>wall s</th>")
                .append("<th>images/s</th><th>efficiency</th></tr>\n");
        for (ScalingPoint p : points) {
            h.append("<tr><td class=\"n\">").append(p.executors()).append("</td><td class=\"n\">").append(p.cores())
                    .append("</td><td class=\"n\">").append(p.images()).append("</td><td class=\"n\">")
                    .append(fmt(p.wallSeconds())).append("</td><td class=\"n\">").append(fmt(p.imagesPerSecond()))
                    .append("</td><td class=\"n\">").append(fmt(100 * p.efficiency())).append("%</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void configuration(StringBuilder h, Map<String, String> config) {
        h.append("<table id=\"configuration\"><tr><th>key</th><th>value</th></tr>\n");
        config.forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td>")
                .append(esc(Settings.mask(k, v))).append("</td></tr>\n"));
        h.append("</table>\n");
    }

    // ---------------------------------------------------------------------------------------------------------
    // charts

    /** Horizontal bars, one per label, scaled to the largest value. */
    private static void bars(StringBuilder h, String id, List<String> labels, List<Double> values,
                             List<String> texts) {
        int rowH = 24;
        int left = 230;
        int barMax = WIDTH - left - 250;
        int height = Math.max(1, labels.size()) * rowH + 8;
        double max = 0;
        for (double v : values) {
            max = Math.max(max, v);
        }
        svgOpen(h, id, height);
        if (labels.isEmpty()) {
            h.append("<text x=\"4\" y=\"18\">no data</text>\n");
        }
        for (int i = 0; i < labels.size(); i++) {
            int y = 4 + i * rowH;
            double w = max > 0 ? barMax * values.get(i) / max : 0;
            h.append("<text x=\"4\" y=\"").append(y + 16).append("\">").append(esc(labels.get(i))).append("</text>");
            h.append("<rect class=\"bar\" x=\"").append(left).append("\" y=\"").append(y + 2)
                    .append("\" width=\"").append(fmt(Math.max(w, 1))).append("\" height=\"").append(rowH - 6)
                    .append("\" fill=\"").append(COLOURS[i % COLOURS.length]).append("\"><title>")
                    .append(esc(texts.get(i))).append("</title></rect>");
            h.append("<text x=\"").append(fmt(left + Math.max(w, 1) + 6)).append("\" y=\"").append(y + 16)
                    .append("\">").append(esc(texts.get(i))).append("</text>\n");
        }
        h.append("</svg>\n");
    }

    /** Vertical bars over bins {@code [edges[i], edges[i+1])}; a bar for each non-empty bin. */
    private static void histogram(StringBuilder h, String id, double[] edges, long[] counts) {
        int height = 180;
        int left = 50;
        int bottom = 30;
        int plotW = WIDTH - left - 20;
        int plotH = height - bottom - 10;
        long max = 1;
        for (long c : counts) {
            max = Math.max(max, c);
        }
        double bw = (double) plotW / counts.length;
        svgOpen(h, id, height);
        axes(h, left, 10, plotW, plotH);
        h.append("<text x=\"4\" y=\"16\">").append(max).append("</text>");
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                continue;
            }
            double bh = plotH * (double) counts[i] / max;
            h.append("<rect class=\"bar\" x=\"").append(fmt(left + i * bw + 1)).append("\" y=\"")
                    .append(fmt(10 + plotH - bh)).append("\" width=\"").append(fmt(Math.max(1, bw - 2)))
                    .append("\" height=\"").append(fmt(bh)).append("\" fill=\"").append(COLOURS[0])
                    .append("\"><title>").append(counts[i]).append(" images, ").append(fmt(edges[i])).append(" to ")
                    .append(fmt(edges[i + 1])).append(" ms</title></rect>\n");
        }
        for (int i = 0; i <= counts.length; i += Math.max(1, counts.length / 6)) {
            h.append("<text x=\"").append(fmt(left + i * bw - 10)).append("\" y=\"").append(height - 10)
                    .append("\">").append(fmt(edges[i])).append("</text>");
        }
        h.append("</svg>\n");
    }

    /** A line with a point at each (x, y), and optionally a dashed reference line at (x, ref). */
    private static void lineChart(StringBuilder h, String id, double[] x, double[] y, double[] ref,
                                  String xLabel, String yLabel) {
        int height = 220;
        int left = 60;
        int plotW = WIDTH - left - 20;
        int plotH = height - 50;
        double xMin = x[0];
        double xMax = x[x.length - 1];
        double yMax = 0;
        for (int i = 0; i < y.length; i++) {
            yMax = Math.max(yMax, y[i]);
            if (ref != null) {
                yMax = Math.max(yMax, ref[i]);
            }
        }
        yMax = yMax > 0 ? yMax * 1.1 : 1;
        double xSpan = xMax > xMin ? xMax - xMin : 1;
        svgOpen(h, id, height);
        axes(h, left, 10, plotW, plotH);
        h.append("<text x=\"4\" y=\"16\">").append(fmt(yMax)).append("</text><text x=\"4\" y=\"")
                .append(10 + plotH).append("\">0</text>");
        h.append("<text x=\"").append(left).append("\" y=\"").append(height - 8).append("\">")
                .append(esc(xLabel)).append(" (").append(fmt(xMin)).append(" to ").append(fmt(xMax))
                .append("); ").append(esc(yLabel)).append("</text>\n");
        StringBuilder line = new StringBuilder();
        StringBuilder dashed = new StringBuilder();
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            double px = left + (x.length == 1 ? plotW / 2.0 : plotW * (x[i] - xMin) / xSpan);
            double py = 10 + plotH - plotH * y[i] / yMax;
            line.append(fmt(px)).append(',').append(fmt(py)).append(' ');
            points.append("<circle class=\"point\" cx=\"").append(fmt(px)).append("\" cy=\"").append(fmt(py))
                    .append("\" r=\"3\" fill=\"").append(COLOURS[0]).append("\"><title>").append(fmt(x[i]))
                    .append(": ").append(fmt(y[i])).append(' ').append(esc(yLabel)).append("</title></circle>\n");
            if (ref != null) {
                dashed.append(fmt(px)).append(',').append(fmt(10 + plotH - plotH * ref[i] / yMax)).append(' ');
            }
        }
        if (ref != null) {
            h.append("<polyline class=\"reference\" fill=\"none\" stroke=\"#999\" stroke-dasharray=\"5,4\" points=\"")
                    .append(dashed.toString().strip()).append("\"/>\n");
        }
        h.append("<polyline fill=\"none\" stroke=\"").append(COLOURS[0]).append("\" stroke-width=\"2\" points=\"")
                .append(line.toString().strip()).append("\"/>\n");
        h.append(points).append("</svg>\n");
    }

    private static void svgOpen(StringBuilder h, String id, int height) {
        h.append("<svg id=\"").append(id).append("\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ')
                .append(height).append("\">\n");
    }

    private static void axes(StringBuilder h, int x, int y, int w, int hgt) {
        h.append("<path d=\"M").append(x).append(',').append(y).append(" V").append(y + hgt).append(" H")
                .append(x + w).append("\" fill=\"none\" stroke=\"#666\"/>\n");
    }

    // ---------------------------------------------------------------------------------------------------------
    // text

    private static void row(StringBuilder h, String key, String value) {
        h.append("<tr><th>").append(esc(key)).append("</th><td>").append(esc(value)).append("</td></tr>\n");
    }

    /** Text and attribute escaping: paths, messages and settings are the user's. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static String fmt(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "0";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 0.1 ? "%.2f" : "%.3f", v);
    }
}

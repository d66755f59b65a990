package dev.shufflespark.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.stats.PartitionStats;
import dev.shufflespark.job.stats.StageHistogram;
import dev.shufflespark.job.stats.Summary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HtmlReportTest {

    /** A run of {@code partitions} partitions over executors 1..executors, 10 images each, 1 failure in each third. */
    static ReportData run(int partitions, int executors, List<ScalingPoint> scaling) {
        List<PartitionStats> stats = new ArrayList<>();
        long t0 = 1_700_000_000_000L;
        for (int p = 0; p < partitions; p++) {
            Map<String, StageHistogram> stages = new LinkedHashMap<>();
            for (String stage : new String[] {"read", "decode", "preprocess", "infer"}) {
                StageHistogram h = new StageHistogram();
                for (int i = 0; i < 10; i++) {
                    // decode 2..6 ms, infer 20..60 ms: a spread over several bins
                    h.add((stage.equals("infer") ? 20 : 2) * (1 + 0.2 * ((p + i) % 11)));
                }
                stages.put(stage, h);
            }
            boolean failing = p % 3 == 0;
            stats.add(new PartitionStats(p, 0, Integer.toString(1 + p % executors), "host-" + (p % executors),
                    "vector 512-bit (16 float lanes)", 10, failing ? 1 : 0,
                    failing ? Map.of(p % 2 == 0 ? "CORRUPT" : "<TRUNCATED>", 1L) : Map.of(), 1000,
                    10_000_000L, 40_000_000L, 10_000_000L, 400_000_000L, 500_000_000L, t0 + 250L * p, stages));
        }
        Map<String, String> configuration = new java.util.TreeMap<>();
        configuration.put("input", "file:/data/<script>alert(1)</script>");
        configuration.put("spark.hadoop.fs.s3a.secret.key", "s3cr3t-VALUE");
        configuration.put("spark.hadoop.fs.s3a.session.token", "t0ken-VALUE");
        Summary s = new Summary(new Summary.Run("run-1", "shufflenet_v1_g3_x1_0", "ab12", false, null, null, null,
                null, 0, null, "4.2.0", "17", 5, 8, configuration), Summary.Totals.of(stats, partitions * 0.25 + 0.5,
                executors), Summary.History.none(), 0, 0);
        return new ReportData("a <test> run", s, stats, scaling);
    }

    @Test
    void chartsHaveOneMarkPerDatum() {
        String html = HtmlReport.render(run(9, 3, List.of()));
        assertEquals(3, ReportCheck.bars(html, "executors"));
        assertEquals(4, ReportCheck.bars(html, "stages"));
        assertEquals(18, ReportCheck.points(html, "throughput"), "two time steps per partition, up to 40");
        // 10 images x 9 partitions per stage; the bars hold them all
        int decodeBars = ReportCheck.bars(html, "latency-decode");
        assertTrue(decodeBars >= 5 && decodeBars <= HtmlReport.LATENCY_BINS, "decode bars: " + decodeBars);
        assertEquals(90, sumOfTitles(ReportCheck.element(html, "svg", "latency-infer")));
        // CORRUPT in partitions 0 and 6, <TRUNCATED> in 3: header + 2 rows
        assertEquals(3, ReportCheck.rows(html, "failures"));
        assertTrue(ReportCheck.element(html, "table", "failures").contains("<td>CORRUPT</td><td class=\"n\">2</td>"));
        assertFalse(html.contains("id=\"scaling\""), "no scaling chart without scaling points");
    }

    @Test
    void throughputStepsStopAtForty() {
        String html = HtmlReport.render(run(30, 2, List.of()));
        assertEquals(HtmlReport.TIME_STEPS, ReportCheck.points(html, "throughput"));
        assertEquals(2, ReportCheck.bars(html, "executors"));
    }

    @Test
    void scalingPointsAreDrawnAndListed() {
        List<ScalingPoint> points = List.of(new ScalingPoint(1, 1, 1000, 10, 100, 1.0),
                new ScalingPoint(2, 2, 1000, 5.5, 181.8, 0.909));
        String html = HtmlReport.render(run(4, 2, points));
        assertEquals(2, ReportCheck.points(html, "scaling"));
        assertEquals(3, ReportCheck.rows(html, "scaling-table"));
        assertTrue(html.contains("90.9%"), "efficiency as a percentage");
    }

    @Test
    void userTextIsEscapedAndCredentialsMasked() {
        String html = HtmlReport.render(run(4, 1, List.of()));
        assertFalse(html.contains("<script>"), "a path must not become markup");
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assertTrue(html.contains("&lt;TRUNCATED&gt;"));
        assertTrue(html.contains("<title>a &lt;test&gt; run</title>"));
        assertFalse(html.contains("s3cr3t-VALUE"), "secret key");
        assertFalse(html.contains("t0ken-VALUE"), "session token");
        assertTrue(html.contains("spark.hadoop.fs.s3a.secret.key"), "the key is shown, its value masked");
        assertFalse(html.contains("<script"), "no script at all");
        assertEquals(ReportCheck.count(html, "xmlns=\"http://www.w3.org/2000/svg\""), ReportCheck.count(html, "http"),
                "nothing to fetch: the only addresses are the SVG namespace");
    }

    @Test
    void aRunWithNoImagesStillRenders() {
        Summary s = new Summary(Summary.Run.named("empty", "m", "4.2.0", "17", 8, Map.of()),
                Summary.Totals.of(List.of(), 0, 2), Summary.History.none(), 0, 0);
        String html = HtmlReport.render(new ReportData("empty", s, List.of(), List.of()));
        assertTrue(html.contains("No partitions ran."));
        assertEquals(0, ReportCheck.bars(html, "executors"));
        assertEquals(0, ReportCheck.bars(html, "stages"));
        assertTrue(html.endsWith("</html>\n"));
    }

    /** Sum of the image counts in a histogram's bar titles ("N images, ..."). */
    private static int sumOfTitles(String svg) {
        int sum = 0;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<title>(\\d+) images,").matcher(svg);
        while (m.find()) {
            sum += Integer.parseInt(m.group(1));
        }
        return sum;
    }
}

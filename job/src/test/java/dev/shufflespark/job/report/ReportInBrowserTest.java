package dev.shufflespark.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The report as a real browser sees it: headless Chromium (Debian's {@code chromium}) parses the page, and the
 * charts it built are counted in the DOM it dumps; a screenshot is saved as {@code target/report.png} and
 * must show the charts' colour. Fails, never skips, when Chromium is missing.
 */
@Tag("system-packages")
class ReportInBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getProperty("chromium", "/usr/bin/chromium"));
    private static final Path TARGET = Path.of("target");

    private static Path page;

    @BeforeAll
    static void writePage() throws IOException {
        if (!Files.isExecutable(CHROMIUM)) {
            fail(CHROMIUM + " not found: install Debian's Chromium (apt-get install chromium), as .ci/run does,"
                    + " or name another with -Dchromium=PATH");
        }
        Files.createDirectories(TARGET);
        page = TARGET.resolve("report.html").toAbsolutePath();
        List<ScalingPoint> scaling = List.of(new ScalingPoint(1, 1, 500, 5, 100, 1.0),
                new ScalingPoint(2, 2, 500, 2.7, 185, 0.925), new ScalingPoint(3, 3, 500, 1.9, 263, 0.877));
        Files.writeString(page, HtmlReport.render(HtmlReportTest.run(9, 3, scaling)), StandardCharsets.UTF_8);
    }

    private static String chromium(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-extensions", "--no-first-run",
                "--user-data-dir=" + TARGET.resolve("chromium-profile").toAbsolutePath()));
        cmd.addAll(List.of(args));
        cmd.add(page.toUri().toString());
        Process p = new ProcessBuilder(cmd).redirectError(TARGET.resolve("chromium.log").toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish in 60 s");
        }
        assertEquals(0, p.exitValue(), () -> "chromium failed; see " + TARGET.resolve("chromium.log"));
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void theBrowsersDomHasEveryChart() throws Exception {
        String dom = chromium("--dump-dom");
        assertTrue(dom.contains("<svg id=\"throughput\""), "the browser parsed the page");
        assertEquals(3, ReportCheck.bars(dom, "executors"));
        assertEquals(4, ReportCheck.bars(dom, "stages"));
        assertEquals(18, ReportCheck.points(dom, "throughput"));
        assertEquals(3, ReportCheck.points(dom, "scaling"));
        assertTrue(ReportCheck.bars(dom, "latency-decode") > 0);
        assertTrue(ReportCheck.bars(dom, "latency-infer") > 0);
        assertEquals(3, ReportCheck.rows(dom, "failures"));
    }

    @Test
    void theScreenshotShowsTheCharts() throws Exception {
        Path png = TARGET.resolve("report.png").toAbsolutePath();
        Files.deleteIfExists(png);
        chromium("--window-size=900,2200", "--hide-scrollbars", "--screenshot=" + png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "a PNG");
        assertEquals(900, image.getWidth());
        // the bars and lines are #2f6fb3; a blank or unstyled page has none of it
        int chartPixels = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == 0x2f6fb3) {
                    chartPixels++;
                }
            }
        }
        assertTrue(chartPixels > 5_000, "chart-coloured pixels: " + chartPixels);
    }
}

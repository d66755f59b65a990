package dev.shufflespark.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The arithmetic of bench.json: medians per executor count and efficiency against the fewest executors. */
class ClusterBenchTest {

    private static ClusterBench.Run run(int k, double ips, double overheadShare, double infer) {
        return new ClusterBench.Run(k, k, 1, 1000, 0, 4 * k, 5, 1, 1000 / ips, ips, ips / k, 1000 / ips * k, 0,
                overheadShare, Map.of("infer", infer, "other", 1 - infer), Map.of(), List.of("0: vector 256-bit"),
                List.of());
    }

    @Test
    void pointsAreMediansAndEfficiencyIsPerCoreAgainstOneExecutor() {
        List<ClusterBench.Run> runs = List.of(run(1, 100, 0.01, 0.5), run(2, 150, 0.04, 0.6), run(1, 90, 0.03, 0.7),
                run(2, 180, 0.02, 0.4), run(1, 120, 0.02, 0.6), run(2, 170, 0.05, 0.5));
        List<ClusterBench.Point> points = ClusterBench.points(List.of(2, 1), runs);
        assertEquals(List.of(1, 2), points.stream().map(ClusterBench.Point::executors).toList());
        ClusterBench.Point one = points.get(0);
        ClusterBench.Point two = points.get(1);
        assertEquals(3, one.runs());
        assertEquals(100.0, one.imagesPerSecond());
        assertEquals(170.0, two.imagesPerSecond());
        assertEquals(85.0, two.imagesPerSecondPerCore());
        assertEquals(1.0, one.efficiency());
        assertEquals(0.85, two.efficiency(), 1e-12);
        assertEquals(0.02, one.driverOverheadShare());
        assertEquals(0.04, two.driverOverheadShare());
        assertEquals(0.6, one.stageShares().get("infer"));
        assertEquals(0.5, two.stageShares().get("infer"));
        assertEquals(List.of("vector 256-bit"), two.kernelPaths());
    }

    @Test
    void syntheticImagesAreSeededJpegsOfTheStatedSize() throws Exception {
        byte[] a = SyntheticImages.image(3);
        assertEquals(0xFF, a[0] & 0xFF);
        assertEquals(0xD8, a[1] & 0xFF);
        assertEquals(a, SyntheticImages.image(3 + SyntheticImages.POOL), "the pool repeats");
        var img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(a));
        assertEquals(SyntheticImages.WIDTH, img.getWidth());
        assertEquals(SyntheticImages.HEIGHT, img.getHeight());
        assertEquals(false, java.util.Arrays.equals(a, SyntheticImages.image(4)), "pool entries differ");
    }
}

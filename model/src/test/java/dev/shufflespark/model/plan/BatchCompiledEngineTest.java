package dev.shufflespark.model.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.model.ChildJvm;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine compiles to allocation-free code whatever order C2 compiles it in. With {@code -Xbatch} every
 * compilation happens when the code first gets hot, in a fixed order, with profiles still young; on JDK 17 under
 * C2's default trap limit that order made the v1 depthwise kernels lose their intrinsics (boxed vectors) in six
 * JVMs of six, while in ordinary JVMs it happened now and then. The child JVM gets this JVM's flags (the project's,
 * from Surefire), so this checks them too.
 */
class BatchCompiledEngineTest {

    @Test
    void batchCompiledModelsRunWithoutAllocating() throws Exception {
        List<String> options = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments());
        options.add("-Xbatch");
        ChildJvm.Result r = ChildJvm.run(options, BatchCompiledMain.class,
                List.of("shufflenet_v1_g3_x1_0", "shufflenet_v2_x1_0"), 300);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("shufflenet_v1_g3_x1_0 0\n"), r.output());
        assertTrue(r.output().contains("shufflenet_v2_x1_0 0\n"), r.output());
    }
}

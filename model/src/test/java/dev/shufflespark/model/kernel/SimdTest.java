package dev.shufflespark.model.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.model.ChildJvm;
import dev.shufflespark.model.ChildJvm.Result;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The choice of kernel path: the pure decision function in this JVM, and whole JVMs started
 * with and without the vector module and with each value of {@code -Dshufflespark.simd}.
 */
class SimdTest {

    /** Every class of the vector path, none of which may be loaded on the scalar path. */
    private static final List<String> VECTOR_CLASSES = List.of(VectorKernels.class.getName(),
            VectorGemm.class.getName(), VectorDepthwise.class.getName(), VectorPooling.class.getName(),
            VectorElementwise.class.getName());

    @Test
    void parseAcceptsTheDocumentedValues() {
        assertEquals("auto", Simd.parse(null));
        assertEquals("auto", Simd.parse(""));
        assertEquals("auto", Simd.parse("Auto"));
        assertEquals("scalar", Simd.parse(" SCALAR "));
        assertEquals("128", Simd.parse("128"));
        assertEquals("256", Simd.parse("256"));
        assertEquals("512", Simd.parse("512"));
    }

    @Test
    void parseRejectsAnythingElseNamingKeyAndValue() {
        for (String bad : new String[] {"1024", "64", "avx512", "vector", "16"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Simd.parse(bad));
            assertTrue(e.getMessage().contains("shufflespark.simd"), e.getMessage());
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void chooseCoversEveryBranch() {
        Simd.Choice absent = Simd.choose("512", false, 0);
        assertEquals(0, absent.bits());
        assertEquals("scalar (jdk.incubator.vector not present)", absent.description());

        Simd.Choice forcedScalar = Simd.choose("scalar", true, 512);
        assertEquals(0, forcedScalar.bits());
        assertEquals("scalar (forced by -Dshufflespark.simd=scalar)", forcedScalar.description());

        assertEquals("vector 512-bit (16 float lanes)", Simd.choose("auto", true, 512).description());
        assertEquals(512, Simd.choose("auto", true, 512).bits());
        assertEquals(256, Simd.choose("auto", true, 256).bits());

        Simd.Choice narrower = Simd.choose("256", true, 512);
        assertEquals(256, narrower.bits());
        assertTrue(narrower.description().startsWith("vector 256-bit (8 float lanes)"), narrower.description());
        assertEquals(128, Simd.choose("128", true, 512).bits());
        assertEquals("vector 512-bit (16 float lanes)", Simd.choose("512", true, 512).description());

        Simd.Choice wider = Simd.choose("512", true, 256);
        assertEquals(256, wider.bits());
        assertTrue(wider.description().contains("wider than the preferred"), wider.description());

        Simd.Choice tiny = Simd.choose("auto", true, 64);
        assertEquals(0, tiny.bits());
        assertTrue(tiny.description().startsWith("scalar"), tiny.description());
    }

    @Test
    void aLowTrapLimitOnJdk17IsNamedInTheKernelPath() {
        String note = Simd.trapLimitNote(17, 100);
        assertTrue(note.contains("C2 trap limit 100:") && note.contains("-XX:PerMethodTrapLimit=100000"), note);
        assertEquals("", Simd.trapLimitNote(17, 100_000));
        assertEquals("", Simd.trapLimitNote(17, -1));
        assertEquals("", Simd.trapLimitNote(25, 100));
        // The tests run with the project's flags, so this JVM's kernel path has no such note.
        assertFalse(Simd.description().contains("trap limit"), Simd.description());
    }

    @Test
    void thisJvmIsConsistent() {
        assertEquals(Simd.VECTOR, Simd.enabled());
        if (Simd.enabled()) {
            assertEquals(Simd.bits() / 32, Simd.lanes());
            assertEquals(Simd.lanes(), VectorKernels.L);
            assertTrue(Simd.description().startsWith("vector " + Simd.bits() + "-bit"), Simd.description());
        } else {
            assertEquals(1, Simd.lanes());
            assertTrue(Simd.description().startsWith("scalar"), Simd.description());
        }
    }

    /** The brief's check: no --add-modules at all; every Kernels method runs, on the scalar path. */
    @Test
    void withoutTheVectorModuleKernelsRunScalarAndNeverLoadVectorKernels() throws Exception {
        Result r = runJava(List.of("-Xlog:class+load=info"), KernelsScalarMain.class);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("kernel path: scalar (jdk.incubator.vector not present)"), r.output());
        assertTrue(r.output().contains("lanes: 1"), r.output());
        assertTrue(r.output().contains("all kernels match the scalar reference"), r.output());
        assertClassLoading(r.output());
        assertFalse(r.output().contains("jdk.incubator.vector.FloatVector"), "a Vector API class was loaded");
    }

    @Test
    void forcedScalarNeverLoadsVectorKernels() throws Exception {
        Result r = runJava(List.of("--add-modules", "jdk.incubator.vector", "-Dshufflespark.simd=scalar",
                "-Xlog:class+load=info"), KernelsScalarMain.class);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("kernel path: scalar (forced by -Dshufflespark.simd=scalar)"), r.output());
        assertClassLoading(r.output());
    }

    @Test
    void vectorKernelsMatchAt128Bits() throws Exception {
        Result r = runJava(List.of("--add-modules", "jdk.incubator.vector", "-Dshufflespark.simd=128"),
                VectorWidthMain.class);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("kernel path: vector 128-bit (4 float lanes)"), r.output());
        assertTrue(r.output().contains("lanes: 4"), r.output());
        assertTrue(r.output().contains("all vector kernels match the scalar reference"), r.output());
    }

    @Test
    void vectorKernelsMatchAt256Bits() throws Exception {
        Result r = runJava(List.of("--add-modules", "jdk.incubator.vector", "-Dshufflespark.simd=256"),
                VectorWidthMain.class);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("kernel path: vector 256-bit (8 float lanes)"), r.output());
        assertTrue(r.output().contains("lanes: 8"), r.output());
        assertTrue(r.output().contains("all vector kernels match the scalar reference"), r.output());
    }

    @Test
    void aBadSettingFailsWithKeyAndValue() throws Exception {
        Result r = runJava(List.of("--add-modules", "jdk.incubator.vector", "-Dshufflespark.simd=sse9"),
                KernelsScalarMain.class);
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("-Dshufflespark.simd=sse9: unknown value"), r.output());
    }

    /** ScalarKernels was loaded (so the class-load log works) and no vector kernel class was. */
    private static void assertClassLoading(String output) {
        assertTrue(output.contains(ScalarKernels.class.getName() + " source:"), "no class-load log:\n" + output);
        for (String name : VECTOR_CLASSES) {
            assertFalse(output.contains(name + " source:"), name + " was loaded:\n" + output);
        }
    }

    private static Result runJava(List<String> jvmOptions, Class<?> main) throws IOException, InterruptedException {
        return ChildJvm.run(jvmOptions, main, List.of(), 120);
    }
}

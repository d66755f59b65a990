package dev.shufflespark.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Exit codes: 0 ok, 1 failure, 2 usage. None of these needs the engine. */
class ExitCodeTest {

    @TempDir
    Path dir;

    @Test
    void versionAndHelpSucceed() {
        Cli version = Cli.run("--version");
        assertEquals(0, version.exitCode(), version::toString);
        assertTrue(version.out().matches("(?s)shufflespark \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R.*"), version::toString);

        Cli help = Cli.run("-h");
        assertEquals(0, help.exitCode(), help::toString);
        for (String command : new String[] {"models", "infer", "bench", "demo"}) {
            assertTrue(help.out().contains(command), () -> command + " missing from\n" + help);
        }
        assertEquals(0, Cli.run("bench", "engine", "--help").exitCode());
    }

    @Test
    void noCommandIsAUsageError() {
        Cli cli = Cli.run();
        assertEquals(2, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("--help"), cli::toString);
        assertEquals(2, Cli.run("bench").exitCode());
    }

    @Test
    void unknownOptionsAndCommandsAreUsageErrors() {
        Cli unknown = Cli.run("infer", "--input", "x", "--shape", "1,3,8,8", "--output", "y", "--bogus");
        assertEquals(2, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.err().contains("--bogus"), unknown::toString);

        Cli typo = Cli.run("infre");
        assertEquals(2, typo.exitCode(), typo::toString);
        assertTrue(typo.err().contains("infer"), "suggests the command:\n" + typo);

        assertEquals(2, Cli.run("models", "--fast").exitCode());
        assertEquals(2, Cli.run("bench", "engine", "--threads", "two").exitCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1,4,8,8", "1,3,8", "1,3,8,8,1", "0,3,8,8", "1,3,-8,8", "a,3,8,8", "", "1;3;8;8"})
    void shapesThatAreNotN3HWAreUsageErrorsNamingTheValue(String shape) throws Exception {
        Path input = Files.write(dir.resolve("in.f32"), new byte[3 * 8 * 8 * 4]);
        Cli cli = Cli.run("infer", "--input", input.toString(), "--shape", shape,
                "--output", dir.resolve("out.f32").toString());
        assertEquals(2, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("'" + shape + "'"), cli::toString);
        assertFalse(Files.exists(dir.resolve("out.f32")));
    }

    @Test
    void badNumbersForBenchAreUsageErrors() {
        Cli cli = Cli.run("bench", "engine", "--threads", "0", "--seconds", "-1");
        assertEquals(2, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("--threads must be at least 1, got 0"), cli::toString);
        assertTrue(cli.err().contains("--seconds must be more than 0, got -1.0"), cli::toString);
        assertEquals(2, Cli.run("demo", "--top", "0").exitCode());
        assertEquals(2, Cli.run("infer", "--input", "x", "--shape", "1,3,8,8", "--output", "y", "--batch", "0")
                .exitCode());
    }

    @Test
    void aMissingModelFileFailsNamingIt() throws Exception {
        Path input = Files.write(dir.resolve("in.f32"), new byte[3 * 8 * 8 * 4]);
        String model = dir.resolve("no-such-model.bin").toString();
        Cli cli = Cli.run("infer", "--model", model, "--input", input.toString(), "--shape", "1,3,8,8",
                "--output", dir.resolve("out.f32").toString());
        assertEquals(1, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains(model), cli::toString);
        assertFalse(cli.err().contains("\tat "), "no stack trace without --verbose:\n" + cli);

        Cli bench = Cli.run("bench", "engine", "--model", "shufflenet_v3_x1_0");
        assertEquals(1, bench.exitCode(), bench::toString);
        assertTrue(bench.err().contains("shufflenet_v3_x1_0"), bench::toString);
    }

    @Test
    void aMissingInputFileFailsNamingIt() {
        String input = dir.resolve("missing.f32").toString();
        Cli cli = Cli.run("infer", "--input", input, "--shape", "1,3,8,8", "--output", dir.resolve("o").toString());
        assertEquals(1, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains(input), cli::toString);
        assertFalse(cli.err().contains("\tat "), "no stack trace without --verbose:\n" + cli);

        Cli demo = Cli.run("demo", input);
        assertEquals(1, demo.exitCode(), demo::toString);
        assertTrue(demo.err().contains(input), demo::toString);
    }

    @Test
    void verbosePrintsTheStackTraceBeforeOrAfterTheCommand() {
        String input = dir.resolve("missing.f32").toString();
        for (String[] args : new String[][] {
                {"--verbose", "infer", "--input", input, "--shape", "1,3,8,8", "--output", "o"},
                {"infer", "--verbose", "--input", input, "--shape", "1,3,8,8", "--output", "o"}}) {
            Cli cli = Cli.run(args);
            assertEquals(1, cli.exitCode(), cli::toString);
            assertTrue(cli.err().contains("\tat dev.shufflespark.job.cli.InferCommand"), cli::toString);
        }
    }

    @Test
    void anInputOfTheWrongLengthFailsNamingBothSizes() throws Exception {
        Path input = Files.write(dir.resolve("short.f32"), new byte[1000]);
        Cli cli = Cli.run("infer", "--input", input.toString(), "--shape", "2,3,8,8",
                "--output", dir.resolve("out.f32").toString());
        assertEquals(1, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("1000 bytes"), cli::toString);
        assertTrue(cli.err().contains("1536 bytes"), cli::toString); // 2*3*8*8 floats * 4 bytes
        assertTrue(cli.err().contains("2,3,8,8"), cli::toString);
        assertFalse(Files.exists(dir.resolve("out.f32")));
    }
}

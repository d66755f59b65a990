package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * The JVM flags live in two places, because Maven cannot read a file into a property: the parent pom's
 * {@code shufflespark.jvm.flags} (Surefire) and {@code conf/jvm.options} (bin/shufflespark). They must match. The
 * compile commands of {@code conf/launcher.options} must name classes that exist.
 */
class JvmOptionsTest {

    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();

    @Test
    void confJvmOptionsListsExactlyThePomFlagsInOrder() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(ROOT.resolve("pom.xml").toFile());
        String property = pom.getElementsByTagName("shufflespark.jvm.flags").item(0).getTextContent();
        List<String> fromPom = Arrays.asList(property.strip().split("\\s+"));

        List<String> fromFile = new ArrayList<>();
        for (String line : Files.readAllLines(ROOT.resolve("conf/jvm.options"))) {
            String flag = line.strip();
            if (!flag.isEmpty() && !flag.startsWith("#")) {
                assertFalse(flag.contains(" "), "one flag per line: " + line);
                fromFile.add(flag);
            }
        }

        assertTrue(fromPom.contains("--add-modules=jdk.incubator.vector"), fromPom::toString);
        assertTrue(fromPom.containsAll(SparkSetup.JIT_FLAGS), fromPom::toString);
        assertEquals(fromPom, fromFile, "pom.xml shufflespark.jvm.flags vs conf/jvm.options");
    }

    @Test
    void theLauncherReadsConfJvmOptions() throws Exception {
        String launcher = Files.readString(ROOT.resolve("bin/shufflespark"));
        assertTrue(launcher.contains("conf/jvm.options"), "bin/shufflespark must read conf/jvm.options");
    }

    @Test
    void testsRunWithThoseFlags() {
        // Surefire passes the pom property; the Vector API module is then in the boot layer, and C2's trap limit
        // and recompilation cutoff are the ones conf/jvm.options gives.
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        for (String flag : SparkSetup.JIT_FLAGS) {
            String option = flag.substring("-XX:".length(), flag.indexOf('='));
            assertEquals(flag, "-XX:" + option + "=" + hotspot.getVMOption(option).getValue());
        }
    }

    @Test
    void theLaunchersCompileCommandsNameClassesThatExist() throws Exception {
        // -XX:CompileCommand=OPTION,package.Class*::method,value: a class renamed would leave its flag matching
        // nothing, silently. A trailing * in the class name matches by prefix within the package.
        int checked = 0;
        boolean packageWide = false;
        for (String line : Files.readAllLines(ROOT.resolve("conf/launcher.options"))) {
            String flag = line.strip();
            if (!flag.startsWith("-XX:CompileCommand=") || !flag.contains("::")) {
                continue;
            }
            String pattern = flag.split(",")[1];
            // The last command that matches a method wins: a class's own scaling must come after our package's.
            if (pattern.equals("dev.shufflespark.*::*")) {
                packageWide = true;
            } else if (pattern.startsWith("dev.shufflespark.")) {
                assertTrue(packageWide, "before the package-wide scaling, which would override it: " + flag);
            }
            String type = pattern.substring(0, pattern.indexOf("::"));
            String pkg = type.substring(0, type.lastIndexOf('.'));
            String name = type.substring(type.lastIndexOf('.') + 1);
            if (pkg.startsWith("jdk.")) { // the Vector API's: a package of a module of this JDK
                assertEquals("*", name, flag);
                assertTrue(ModuleLayer.boot().modules().stream().anyMatch(m -> m.getPackages().contains(pkg)),
                        "conf/launcher.options names a package of no module of this JDK: " + flag);
                checked++;
                continue;
            }
            Path folder = null;
            for (String module : List.of("model", "io", "job")) {
                Path f = ROOT.resolve(module).resolve("src/main/java").resolve(pkg.replace('.', '/'));
                if (Files.isDirectory(f)) {
                    folder = f;
                }
            }
            assertNotNull(folder, "conf/launcher.options names a package of no module: " + flag);
            boolean found;
            if (name.endsWith("*")) {
                String prefix = name.substring(0, name.length() - 1);
                try (var files = Files.list(folder)) {
                    found = files.anyMatch(f -> f.getFileName().toString().startsWith(prefix));
                }
            } else {
                found = Files.exists(folder.resolve(name + ".java"));
            }
            assertTrue(found, "conf/launcher.options names no class of ours: " + flag);
            checked++;
        }
        // Ours and the Vector API's two packages, then the decoder's and the resize's vector passes (thresholds and
        // blocking compilation).
        assertEquals(7, checked, "conf/launcher.options' compile commands");
    }
}
